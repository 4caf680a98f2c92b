#include "tasklab/faults.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
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

namespace {

bool listed(const std::vector<std::size_t>& indices, std::size_t i) {
    return std::find(indices.begin(), indices.end(), i) != indices.end();
}

// Computes forever and never looks at a stop request: what a task stuck in a loop does.
// Reading a volatile is a side effect, so the loop is not undefined behaviour.
[[noreturn]] void spin_forever() noexcept {
    static volatile bool forever = true;
    while (forever) {
    }
    std::abort();  // never reached
}

// The salt keeps the failure draws apart from the task type's own use of the seed.
constexpr std::uint64_t fail_salt = 0xfa11'fa11'fa11'fa11ull;

}  // namespace

faulty_workload::faulty_workload(std::shared_ptr<const workload> inner, fault_plan plan)
    : workload_wrapper(std::move(inner)), plan_(std::move(plan)) {}

awaitable<task_result> faulty_workload::run(context& ctx) const {
    const auto i = ctx.index();
    if (listed(plan_.fail, i)) throw std::runtime_error(fmt::format("task {} failed on purpose (its fault plan: fail)", i));
    // The rate draws among the tasks no list names: a listed task keeps the fault it was given.
    const bool has_listed_fault = listed(plan_.hang, i) || listed(plan_.spin, i) || listed(plan_.crash, i);
    if (!has_listed_fault && plan_.fail_rate > 0 && seeded_unit(ctx.identity().seed ^ fail_salt, i) < plan_.fail_rate)
        throw std::runtime_error(fmt::format("task {} failed on purpose (its fault plan: fail-rate {})", i, plan_.fail_rate));
    if (listed(plan_.hang, i)) {
        co_await ctx.sleep_for(sim_seconds(1e12));  // until its timeout or the run's stop
        throw std::logic_error("a hung task's wait ended without a timeout or a stop");
    }
    if (listed(plan_.spin, i)) spin_forever();
    auto result = co_await inner().run(ctx);
    // A task listed to crash dies at its first wait (context::sleep_for, yield); one still
    // alive here never waited.
    if (listed(plan_.crash, i)) std::raise(plan_.crash_signal);
    co_return result;
}

}  // namespace detail
}  // namespace tasklab
