#include "tasklab/backend.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tasklab/clock.hpp"
#include "tasklab/errors.hpp"
#include "tasklab/task.hpp"

namespace tasklab {

void backend::check(const scenario& s) const {
    const auto& settings = s.settings;
    if (!s.work) throw usage_error("scenario has no tasks: build it with make_scenario");
    if (!supports(settings.memory))
        throw usage_error(fmt::format("--sharing {}: the {} backend runs its tasks in one process, whose memory "
                                      "they all share; only fork can give each task its own copy",
                                      to_string(settings.memory), name()));
    if (settings.tasks > task_limit())
        throw usage_error(fmt::format("--tasks {}: the {} backend runs at most {} tasks", settings.tasks, name(),
                                      task_limit()));
    check_backend(s);
}

void run_state::tick(std::int64_t now_ns) {
    heartbeat.tick(now_ns);
    if (options.progress) options.progress(done_.load(std::memory_order_relaxed), records.size());
}

run_report backend::run(const scenario& s, const run_options& options) {
    check(s);
    const auto& settings = s.settings;
    const auto layout = s.work->shared();
    shared_region region(layout.size, settings.memory == sharing::shared);
    if (region.data()) s.work->init_shared(region.data());
    struct destroy_on_exit {
        const workload& work;
        void* memory;
        ~destroy_on_exit() {
            if (memory) work.destroy_shared(memory);
        }
    } destroy{*s.work, region.data()};

    run_report report;
    report.backend = std::string(name());
    report.memory = settings.memory;
    report.records.resize(settings.tasks);
    for (std::size_t i = 0; i < report.records.size(); ++i) report.records[i].index = static_cast<std::uint32_t>(i);

    const bool peak_is_this_runs = reset_peak_rss();
    const auto cpu_before = process_cpu_times();
    const auto origin = monotonic_ns();
    run_state state(s, region.data(), report.records, origin, options);
    execute(state);
    const auto finished = monotonic_ns() - origin;
    const auto cpu_after = process_cpu_times();
    report.origin_ns = origin;
    report.heartbeat = state.heartbeat.summary();
    report.usage = state.children;
    report.usage.peak_rss_kib = peak_rss_kib();
    report.usage.peak_rss_scope = peak_is_this_runs ? "run" : "process lifetime";
    report.usage.voluntary_switches = cpu_after.voluntary_switches - cpu_before.voluntary_switches;
    report.usage.involuntary_switches = cpu_after.involuntary_switches - cpu_before.involuntary_switches;

    // Wall time ends with the last task, as docs/measurements.md defines it; a run whose
    // tasks never started ends when the backend gave up on them.
    std::int64_t last_end = 0;
    bool any_started = false;
    for (const auto& r : report.records)
        if (r.started) {
            last_end = std::max(last_end, r.end_ns);
            any_started = true;
        }
    report.wall_ns = any_started ? last_end : finished;
    report.cpu_s = cpu_after.total() - cpu_before.total();
    report.result = s.work->conclude(report.records, region.data());
    return report;
}

}  // namespace tasklab
