#include "tasklab/backends/sequential.hpp"

#include <asio/io_context.hpp>

#include "backends/contexts.hpp"
#include "backends/heartbeat.hpp"

namespace tasklab {

std::string_view sequential_backend::summary() const noexcept {
    return "one task after another on one thread: the baseline";
}

void sequential_backend::execute(run_state& run) {
    const detail::ticker_thread heartbeat(run);  // elsewhere in the process: it measures preemption
    const detail::task_site site{&run};
    asio::io_context io(1);
    for (auto& record : run.records) {
        if (run.poll_stop()) {
            detail::not_started(record, "not started: the run was stopped first", run);
            continue;
        }
        detail::blocking_context ctx(record.index, run.constants, run.stop.get_token());
        detail::run_alone(io, ctx, site);
        io.restart();
    }
}

}  // namespace tasklab
