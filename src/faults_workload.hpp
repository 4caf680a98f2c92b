#pragma once
// The workload a scenario with a fault_plan runs: the task type's own, wrapped.
#include <memory>

#include "tasklab/faults.hpp"
#include "tasklab/task.hpp"

namespace tasklab::detail {

class faulty_workload final : public workload_wrapper {
public:
    faulty_workload(std::shared_ptr<const workload> inner, fault_plan plan);
    awaitable<task_result> run(context& ctx) const override;

private:
    fault_plan plan_;
};

}  // namespace tasklab::detail
