#pragma once
#include <atomic>
#include <cstdint>

#include "tasklab/task.hpp"

namespace tasklab {

/// The lesson's account: one balance, one lock, in the run's shared state.
struct account {
    static_assert(std::atomic<std::int64_t>::is_always_lock_free,
                  "the balance must be usable from several processes");
    std::atomic<std::int64_t> balance{0};
    mutex lock;

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
