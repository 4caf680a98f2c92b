#pragma once
// The workload a scenario with a fault_plan runs: the task type's own, wrapped.
#include <memory>

#include "tasklab/faults.hpp"
#include "tasklab/task.hpp"

namespace tasklab::detail {

class faulty_workload final : public workload {
public:
    faulty_workload(std::shared_ptr<const workload> inner, fault_plan plan);
    awaitable<task_result> run(context& ctx) const override;
    shared_layout shared() const override { return inner_->shared(); }
    void init_shared(void* memory) const override { inner_->init_shared(memory); }
    void destroy_shared(void* memory) const noexcept override { inner_->destroy_shared(memory); }
    outcome conclude(std::span<const task_record> records, const void* shared) const override {
        return inner_->conclude(records, shared);
    }

private:
    std::shared_ptr<const workload> inner_;
    fault_plan plan_;
};

}  // namespace tasklab::detail
