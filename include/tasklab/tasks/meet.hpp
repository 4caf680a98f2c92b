#pragma once
#include "tasklab/task.hpp"

namespace tasklab {

/// Tasks that wait for each other: the tasks meet in groups of `group` (0: all of them), and
/// each, once it has arrived, waits until every task of its group has - a barrier. Where a
/// whole group cannot be in flight at once (sequential, a pool of fewer workers than the
/// group), the first to arrive wait for tasks that cannot start until they end: a deadlock,
/// which only the timeout the type requires ends.
class meet_task final : public task_type {
public:
    std::string_view name() const override { return "meet"; }
    std::string_view summary() const override;
    std::vector<param_spec> params() const override;
    std::size_t default_tasks() const override { return 8; }
    std::unique_ptr<const workload> make(const scenario_settings& settings) const override;
};

}  // namespace tasklab
