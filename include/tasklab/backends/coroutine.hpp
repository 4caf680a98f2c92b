#pragma once
#include "tasklab/backend.hpp"

namespace tasklab {

/// Every task co_spawned on one io_context run by the calling thread: cooperative
/// concurrency, no parallelism. Waits are timers; locks suspend instead of blocking.
class coroutine_backend final : public backend {
public:
    std::string_view name() const noexcept override { return "coroutine"; }
    std::string_view summary() const noexcept override;
    std::size_t concurrency_limit() const noexcept override { return unbounded; }
    bool interleaves_tasks() const noexcept override { return true; }

protected:
    void execute(run_state& run) const override;
};

}  // namespace tasklab
