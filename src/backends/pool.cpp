#include "tasklab/backends/pool.hpp"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>

#include "tasklab/driver.hpp"

namespace tasklab {

std::string_view pool_backend::summary() const noexcept {
    return "M tasks on N worker threads (asio::thread_pool, --workers); waits block a worker: preemptive";
}

void pool_backend::execute(run_state& run) const {
    const heartbeat_thread heartbeat(run);  // a thread of its own: the workers may all be blocked
    blocking_driver driver;                 // no state of its own: every worker's task uses this one
    // The pool's queue is Asio's: tasks are posted in index order and each free worker takes
    // the next. A task keeps its worker until it ends, whatever it waits for.
    asio::thread_pool pool(workers_of(run.s.settings));
    for (auto& record : run.records) {
        const auto i = record.index;
        asio::post(pool, [&run, &driver, i] {
            if (run.poll_stop()) {
                run.not_started(i, "not started: the run was stopped while it waited for a worker");
                return;
            }
            try {
                // As on the thread backend: a loop that only runs this coroutine, whose waits
                // block the worker, so it makes no reactor and opens no descriptor.
                asio::io_context loop(1);
                context ctx(run, i, driver, run.stop.get_token());
                run_task(loop, ctx);
            } catch (...) {
                // Only making the loop can throw (run_task counts the task whatever happens).
                run.not_started(i, "could not run the task (out of memory?)", task_status::failed);
            }
        });
    }
    pool.join();
}

}  // namespace tasklab
