#include "bench/work.hpp"

#include <memory>

#include "tasklab/tasks/compute.hpp"
#include "tasklab/task.hpp"

namespace tasklab::bench {

std::string_view to_string(work w) noexcept {
    switch (w) {
        case work::empty: return "empty";
        case work::sleep: return "sleep";
        case work::yields: return "yield";
        case work::compute: return "compute";
    }
    return "?";
}

std::int64_t expected_value(const work_spec& spec, std::size_t index) noexcept {
    if (spec.kind != work::compute) return 1;
    const auto part = part_of(spec.compute_n, spec.tasks, index);
    std::uint64_t sum = 0;  // closed form of part.first..part.last, wrapping like add_one_by_one
    if (part.last >= part.first) {
        const auto count = static_cast<std::uint64_t>(part.last - part.first + 1);
        const auto ends = static_cast<std::uint64_t>(part.first) + static_cast<std::uint64_t>(part.last);
        sum = count % 2 == 0 ? (count / 2) * ends : count * (ends / 2);
    }
    return static_cast<std::int64_t>(sum);
}

namespace {

// One coroutine per body, so that each task's frame holds only what its body needs (a raw
// awaitable would be written the same way).
awaitable<task_result> empty_task() { co_return task_result{1}; }

awaitable<task_result> sleep_task(context& ctx, sim_seconds wait) {
    co_await ctx.sleep_for(wait);
    co_return task_result{1};
}

awaitable<task_result> yield_task(context& ctx, std::size_t yields) {
    for (std::size_t k = 0; k < yields; ++k) co_await ctx.yield();
    co_return task_result{1};
}

awaitable<task_result> compute_task_body(const context& ctx, std::int64_t n) {
    const auto part = part_of(n, ctx.identity().count, ctx.index());
    co_return task_result{add_one_by_one(part.first, part.last)};
}

class bench_workload final : public workload {
public:
    explicit bench_workload(const work_spec& spec) : spec_(spec) {}

    awaitable<task_result> run(context& ctx) const override {
        switch (spec_.kind) {
            case work::empty: return empty_task();
            case work::sleep: return sleep_task(ctx, sim_seconds(static_cast<double>(spec_.wait_ns) * 1e-9));
            case work::yields: return yield_task(ctx, spec_.yields);
            case work::compute: return compute_task_body(ctx, spec_.compute_n);
        }
        return empty_task();
    }

private:
    work_spec spec_;
};

}  // namespace

scenario make_scenario(const work_spec& spec) {
    scenario s;
    s.settings.task = "bench-" + std::string(to_string(spec.kind));
    s.settings.tasks = spec.tasks;
    s.settings.seed = 1;
    s.settings.time_scale = 1.0;
    s.work = std::make_shared<const bench_workload>(spec);
    return s;
}

}  // namespace tasklab::bench
