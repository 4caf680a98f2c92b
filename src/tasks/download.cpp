#include "tasklab/tasks/download.hpp"

#include "tasklab/random.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tasklab/errors.hpp"
#include "tasklab/scenario.hpp"

namespace tasklab {

std::string_view download_task::summary() const {
    return "each task waits a seeded random time in [min, max] without using a CPU (I/O-bound)";
}

std::vector<param_spec> download_task::params() const {
    return {
        {"min", "shortest download, simulated seconds", param_kind::number, "1", 0, 86400, {}},
        {"max", "longest download, simulated seconds", param_kind::number, "10", 0, 86400, {}},
        {"wait", "await: co_await the wait, the thread is free for other tasks meanwhile; block: sleep the "
                 "thread, as a blocking call does (on the coroutine backend every other task waits too)",
         param_kind::choice, "await", 0, 0, {"await", "block"}},
    };
}

double download_duration(std::uint64_t seed, std::size_t index, double min_s, double max_s) noexcept {
    const double unit = seeded_unit(seed, index);
    // Whole milliseconds, so the value a task returns is exactly the time it waited.
    return std::round((min_s + (max_s - min_s) * unit) * 1000.0) / 1000.0;
}

namespace {

class download_workload final : public workload {
public:
    download_workload(double min_s, double max_s, bool blocks) : min_s_(min_s), max_s_(max_s), blocks_(blocks) {}

    awaitable<task_result> run(context& ctx) const override {
        const double seconds = download_duration(ctx.identity().seed, ctx.index(), min_s_, max_s_);
        if (blocks_)
            ctx.block_for(sim_seconds{seconds});
        else
            co_await ctx.sleep_for(sim_seconds{seconds});
        co_return task_result{static_cast<std::int64_t>(std::llround(seconds * 1000.0))};
    }

private:
    double min_s_;
    double max_s_;
    bool blocks_;
};

}  // namespace

std::unique_ptr<const workload> download_task::make(const scenario_settings& settings) const {
    const double min_s = settings.params.number("min");
    const double max_s = settings.params.number("max");
    if (min_s > max_s) throw usage_error(fmt::format("`min` {} is above `max` {}", min_s, max_s));
    return std::make_unique<download_workload>(min_s, max_s, settings.params.choice("wait") == "block");
}

}  // namespace tasklab
