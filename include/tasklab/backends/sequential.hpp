#pragma once
#include "tasklab/backend.hpp"

namespace tasklab {

/// One task after another on the calling thread: the baseline every model is compared with.
class sequential_backend final : public backend {
public:
    std::string_view name() const noexcept override { return "sequential"; }
    std::string_view summary() const noexcept override;
    std::size_t concurrency_limit() const noexcept override { return 1; }

protected:
    void execute(run_state& run) const override;
};

}  // namespace tasklab
