#include "tasklab/backends/sequential.hpp"

#include <asio/io_context.hpp>

#include "backends/heartbeat.hpp"
#include "tasklab/driver.hpp"

namespace tasklab {

std::string_view sequential_backend::summary() const noexcept {
    return "one task after another on one thread: the baseline";
}

void sequential_backend::execute(run_state& run) const {
    const detail::ticker_thread heartbeat(run);  // elsewhere in the process: it measures preemption
    blocking_driver driver;
    asio::io_context loop(1);
    for (auto& record : run.records) {
        if (run.poll_stop()) {
            run.not_started(record.index, "not started: the run was stopped first");
            continue;
        }
        context ctx(run, record.index, driver, run.stop.get_token());
        run_task(loop, ctx);
        loop.restart();
    }
}

}  // namespace tasklab
