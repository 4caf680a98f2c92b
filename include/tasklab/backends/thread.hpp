#pragma once
#include "tasklab/backend.hpp"

namespace tasklab {

/// One std::jthread per task, each driving its own task; waits block that thread
/// (interruptibly) and locks are blocking. Preemptive, and parallel on several cores.
class thread_backend final : public backend {
public:
    std::string_view name() const noexcept override { return "thread"; }
    std::string_view summary() const noexcept override;
    std::size_t concurrency_limit() const noexcept override { return unbounded; }
    std::size_t task_limit() const noexcept override { return 20'000; }
    bool preempts_tasks() const noexcept override { return true; }

protected:
    void execute(run_state& run) const override;
};

}  // namespace tasklab
