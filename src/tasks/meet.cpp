#include "tasklab/tasks/meet.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include "tasklab/errors.hpp"
#include "tasklab/metrics.hpp"
#include "tasklab/scenario.hpp"

namespace tasklab {

std::string_view meet_task::summary() const {
    return "tasks meet in groups and each waits until its whole group has arrived (a barrier; needs --timeout)";
}

std::vector<param_spec> meet_task::params() const {
    return {
        {"group", "tasks per group, met in index order; 0: all of them", param_kind::integer, "0", 0, 1'000'000, {}},
        {"poll", "how often a waiting task looks again, simulated seconds", param_kind::number, "0.01", 0.0001, 10, {}},
    };
}

namespace {

/// How many tasks of each group have arrived. Atomics without a lock, in the run's shared
/// memory, so that fork's children count into the same place.
struct arrivals {
    static constexpr std::size_t max_groups = 1024;
    std::atomic<std::int64_t> count[max_groups];
};
static_assert(std::atomic<std::int64_t>::is_always_lock_free, "a child process must see the same counter");

class meet_workload final : public workload_with_shared<arrivals> {
public:
    meet_workload(std::size_t group, double poll_s) : group_(group), poll_s_(poll_s) {}

    awaitable<task_result> run(context& ctx) const override {
        auto& arrived = ctx.shared<arrivals>();
        const auto n = ctx.identity().count;
        const std::size_t g = ctx.index() / group_;
        if (g >= arrivals::max_groups) throw std::logic_error("meet: more groups than make() allowed");
        // The last group may be smaller than the others.
        const auto size = static_cast<std::int64_t>(std::min(group_, n - g * group_));
        arrived.count[g].fetch_add(1);
        // Waiting by looking again: every backend's task can do it, and a waiting task holds
        // what it runs on - its thread, its worker - as a blocked one would.
        // A poll too short to be a real wait at this time scale must still let others run.
        const bool sleeps = ctx.to_real(sim_seconds{poll_s_}).count() > 0;
        while (arrived.count[g].load() < size) {
            if (sleeps)
                co_await ctx.sleep_for(sim_seconds{poll_s_});
            else
                co_await ctx.yield();
        }
        co_return task_result{1};
    }

    outcome conclude(std::span<const task_record> records, const void* shared) const override {
        auto o = workload::conclude(records, shared);
        std::size_t met = 0, gave_up = 0;
        for (const auto& r : records) {
            met += r.status == task_status::ok;
            // At its timeout, not stopped with the run or never started.
            gave_up += r.started && r.status == task_status::cancelled && r.error.find("timed out") != std::string::npos;
        }
        o.check_passed = met == records.size();
        o.check = fmt::format("{} of {} met their group", met, records.size());
        const auto group = std::min(group_, records.size());
        if (const auto most = max_in_flight(records); gave_up > 0 && most < group)
            o.check += fmt::format(": a deadlock - at most {} task{} in flight at once, fewer than a group of {}, so the "
                                   "first to arrive waited for tasks that could not start until they ended; {} gave "
                                   "up at their timeout",
                                   most, most == 1 ? " was" : "s were", group, gave_up);
        return o;
    }

private:
    std::size_t group_;
    double poll_s_;
};

}  // namespace

std::unique_ptr<const workload> meet_task::make(const scenario_settings& settings) const {
    const auto asked = static_cast<std::size_t>(settings.params.integer("group"));
    const std::size_t group = std::max<std::size_t>(1, asked == 0 ? settings.tasks : asked);
    if (settings.memory == sharing::private_copy)
        throw usage_error("meet counts arrivals in memory the tasks share: with `sharing` private each fork child "
                          "would count in its own copy and wait for ever");
    if ((settings.tasks + group - 1) / group > arrivals::max_groups)
        throw usage_error(fmt::format("`group` {}: {} tasks make more than {} groups; make the groups larger", asked,
                                      settings.tasks, arrivals::max_groups));
    if (settings.timeout <= 0)
        throw usage_error("meet needs a `timeout`: where a whole group cannot be in flight at once (sequential, a "
                          "pool of fewer workers than the group), its first tasks would wait for ever for the rest");
    return std::make_unique<meet_workload>(group, settings.params.number("poll"));
}

}  // namespace tasklab
