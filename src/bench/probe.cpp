#include "bench/probe.hpp"

#include <fmt/format.h>

#include "tasklab/backends/catalog.hpp"
#include "tasklab/clock.hpp"
#include "tasklab/errors.hpp"
#include "tasklab/metrics.hpp"

namespace tasklab::bench {

sample run_tasklab(std::string_view backend, const work_spec& spec) {
    const auto b = make_backend(backend);
    if (!b) throw usage_error(fmt::format("no backend named '{}'", backend));
    const auto s = make_scenario(spec);
    b->check(s);
    sample out;
    const memory_window memory;
    const auto t0 = monotonic_ns();
    const auto report = b->run(s);
    out.wall_ns = monotonic_ns() - t0;
    memory.finish(out, spec.tasks);

    for (const auto& r : report.records) {
        out.started += r.started;
        if (r.status == task_status::ok && r.value == expected_value(spec, r.index)) continue;
        ++out.failed;
        if (out.error.empty())
            out.error = r.error.empty() ? fmt::format("task {} returned {}", r.index, r.value) : r.error;
    }
    out.max_in_flight = measure(report).max_in_flight;
    if (report.usage.children_sum_rss_kib >= 0 && out.started > 0)
        out.memory_bytes_per_task =
            static_cast<double>(report.usage.children_sum_rss_kib) * 1024.0 / static_cast<double>(out.started);
    return out;
}

}  // namespace tasklab::bench
