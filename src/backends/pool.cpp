#include "tasklab/backends/pool.hpp"

#include <asio/post.hpp>
#include <asio/thread_pool.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <latch>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "backends/creation.hpp"
#include "tasklab/driver.hpp"

namespace tasklab {

std::string_view pool_backend::summary() const noexcept {
    return "M tasks on N worker threads (asio::thread_pool, --workers); waits block a worker: preemptive";
}

namespace {

/// Task `index` on the worker that took it from the queue. Nothing escapes: an exception out
/// of a pool's handler would end the process, and every task must be counted done.
void run_on_worker(run_state& run, driver& driver, std::uint32_t index) noexcept {
    if (run.poll_stop()) {
        run.not_started(index, "not started: the run was stopped while it waited for a worker");
        return;
    }
    run_task_on_this_thread(run, index, driver, run.stop.get_token());
}

}  // namespace

void pool_backend::execute(run_state& run) const {
    const heartbeat_thread heartbeat(run);  // a thread of its own: the workers may all be blocked
    blocking_driver driver;                 // no state of its own: every worker's task uses this one
    const std::size_t tasks = run.records.size();
    const std::size_t workers = std::min(workers_of(run.s.settings), tasks);

    // The pool's scheduler and queue are Asio's; its threads are made here, and join it with
    // attach(), so that a thread that cannot be made is a failure to report, not a constructor
    // that throws while the threads it made already wait for work that never ends.
    asio::thread_pool pool(0);
    std::vector<std::jthread> threads;
    threads.reserve(workers);
    for (std::size_t k = 0; k < workers; ++k) {
        try {
            if (k >= run.options.fail_creation_at) throw std::system_error(EAGAIN, std::generic_category(), "test seam");
            threads.emplace_back([&pool] { pool.attach(); });
        } catch (const std::system_error& e) {
            // Fewer workers than asked would be a different model: nothing runs, and the
            // records say why.
            pool.stop();
            const auto why = fmt::format("not started: worker thread {} of {} could not be created: {}; {} - try "
                                         "fewer --workers",
                                         k + 1, workers, std::strerror(e.code().value()),
                                         detail::limit_that_bit(e.code().value()));
            for (std::size_t i = 0; i < tasks; ++i) run.not_started(i, why, task_status::failed);
            return;  // the threads made so far leave attach() and are joined
        }
    }
    // Tasks are posted in index order and each free worker takes the next; a task keeps its
    // worker until it ends, whatever it waits for.
    std::latch done(static_cast<std::ptrdiff_t>(tasks));
    for (const auto& record : run.records) {
        const auto i = record.index;
        try {
            asio::post(pool, [&run, &driver, &done, i] {
                run_on_worker(run, driver, i);
                done.count_down();
            });
        } catch (...) {  // no memory for the queue's entry: this task cannot run, the others still do
            run.not_started(i, "could not run the task (out of memory?)", task_status::failed);
            done.count_down();
        }
    }
    done.wait();
    pool.stop();  // the workers leave attach(); the jthreads join them
}

}  // namespace tasklab
