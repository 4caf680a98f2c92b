#pragma once
#include "tasklab/backend.hpp"

namespace tasklab {

/// M tasks on N threads (scenario_settings::workers): an asio::thread_pool takes the tasks in
/// order, and each runs on a free worker until it ends, its waits blocking that worker as on the
/// thread backend. Concurrency stops at N; a task that waits for another one still in the queue
/// waits for ever when every worker is taken (only a timeout ends it). Preemptive between the N.
class pool_backend final : public backend {
public:
    std::string_view name() const noexcept override { return "pool"; }
    std::string_view summary() const noexcept override;
    /// The scenario's workers bound it, not the backend.
    std::size_t concurrency_limit() const noexcept override { return unbounded; }

protected:
    void execute(run_state& run) const override;
};

}  // namespace tasklab
