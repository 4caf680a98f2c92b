#pragma once
#include <atomic>
#include <cstdint>
#include <limits>

#include "tasklab/task.hpp"

namespace tasklab {

/// The lesson's account: one balance, one lock, in the run's shared state.
struct account {
    static_assert(std::atomic<std::int64_t>::is_always_lock_free,
                  "the balance must be usable from several processes");
    std::atomic<std::int64_t> balance{0};
    /// How many deposits reached the balance. Counted here, not from the tasks' reports: a
    /// fork child killed after its deposit but before reporting is not "ok", yet its money is in.
    std::atomic<std::int64_t> committed{0};
    /// Deposits that have begun to commit without a lock (atomic mode: the compare-and-swap
    /// and the count are two steps) and not finished: non-zero at the end only if a task died
    /// between them, and then the count cannot say whether its money landed.
    std::atomic<std::int64_t> committing{0};
    mutex lock;
    /// The deposit under way inside the lock: the balance and count it started from, or
    /// `none` when no deposit is under way. A holder that dies (a killed fork child) leaves
    /// it set, and the next holder rolls both back to it: the dead task's deposit never
    /// committed.
    static constexpr std::int64_t none = std::numeric_limits<std::int64_t>::min();
    std::atomic<std::int64_t> in_progress_from{none};
    std::atomic<std::int64_t> in_progress_committed{0};
    /// How many times a holder died inside the lock and the account was repaired.
    std::atomic<std::uint32_t> recoveries{0};

    /// The lesson's validating setter: the balance after depositing `amount` onto `before`.
    /// Throws std::invalid_argument for amount <= 0, std::overflow_error past INT64_MAX.
    static std::int64_t after_deposit(std::int64_t before, std::int64_t amount);
};

enum class deposit_sync { none, lock, atomic };

/// N tasks each deposit an amount into one account: read, hold, write. Without
/// synchronisation the writes race at the hold (an atomic load and store: a race condition,
/// not a data race) and deposits are lost.
class deposit_task final : public task_type {
public:
    std::string_view name() const override { return "deposit"; }
    std::string_view summary() const override;
    std::vector<param_spec> params() const override;
    std::size_t default_tasks() const override { return 100; }
    std::unique_ptr<const workload> make(const scenario_settings& settings) const override;
};

}  // namespace tasklab
