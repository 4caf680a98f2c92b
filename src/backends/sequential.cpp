#include "tasklab/backends/sequential.hpp"

#include "tasklab/driver.hpp"

namespace tasklab {

std::string_view sequential_backend::summary() const noexcept {
    return "one task after another on one thread: the baseline";
}

void sequential_backend::execute(run_state& run) const {
    const heartbeat_thread heartbeat(run);  // elsewhere in the process: it measures preemption
    blocking_driver driver;
    run_one_after_another(run, driver);
}

}  // namespace tasklab
