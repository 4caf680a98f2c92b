#include "tasklab/faults.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <stdexcept>
#include <utility>

#include "faults_workload.hpp"
#include "tasklab/random.hpp"

namespace tasklab {

int crash_signal_by_name(const std::string& name) noexcept {
    static constexpr std::pair<const char*, int> known[] = {{"SEGV", SIGSEGV}, {"KILL", SIGKILL}, {"ABRT", SIGABRT},
                                                            {"BUS", SIGBUS},   {"FPE", SIGFPE},   {"ILL", SIGILL},
                                                            {"TERM", SIGTERM}};
    for (const auto& [n, sig] : known)
        if (name == n) return sig;
    return 0;
}

namespace detail {

void fault_hook::crash_at_first_wait(context& ctx, int signal) noexcept { ctx.crash_signal_ = signal; }

bool fault_hook::crash_pending(const context& ctx) noexcept { return ctx.crash_signal_ != 0; }

namespace {

bool listed(const std::vector<std::size_t>& indices, std::size_t i) {
    return std::find(indices.begin(), indices.end(), i) != indices.end();
}

// Computes forever and never looks at a stop request: what a task stuck in a loop does.
// The empty asm is a side effect, so the loop is not undefined behaviour.
[[noreturn]] void spin_forever() noexcept {
    for (;;) asm volatile("" ::: "memory");
}

// The salt keeps the failure draws apart from the task type's own use of the seed.
constexpr std::uint64_t fail_salt = 0xfa11'fa11'fa11'fa11ull;

}  // namespace

faulty_workload::faulty_workload(std::shared_ptr<const workload> inner, fault_plan plan)
    : inner_(std::move(inner)), plan_(std::move(plan)) {}

awaitable<task_result> faulty_workload::run(context& ctx) const {
    const auto i = ctx.index();
    if (listed(plan_.fail, i)) throw std::runtime_error(fmt::format("task {} failed on purpose (--fail)", i));
    if (plan_.fail_rate > 0 && seeded_unit(ctx.identity().seed ^ fail_salt, i) < plan_.fail_rate)
        throw std::runtime_error(fmt::format("task {} failed on purpose (--fail-rate {})", i, plan_.fail_rate));
    if (listed(plan_.hang, i)) {
        co_await ctx.sleep_for(sim_seconds(1e12));  // until its timeout or the run's stop
        throw std::logic_error("a hung task's wait ended without a timeout or a stop");
    }
    if (listed(plan_.spin, i)) spin_forever();
    const bool crash = listed(plan_.crash, i);
    if (crash) fault_hook::crash_at_first_wait(ctx, plan_.crash_signal);
    auto result = co_await inner_->run(ctx);
    if (crash && fault_hook::crash_pending(ctx)) std::raise(plan_.crash_signal);  // it never waited
    co_return result;
}

}  // namespace detail
}  // namespace tasklab
