#include "tasklab/backends/thread.hpp"

#include <asio/io_context.hpp>

#include <system_error>
#include <thread>
#include <vector>

#include "backends/contexts.hpp"
#include "backends/heartbeat.hpp"
#include "tasklab/clock.hpp"

namespace tasklab {

std::string_view thread_backend::summary() const noexcept {
    return "one std::jthread per task; waits block that thread: preemptive";
}

void thread_backend::execute(run_state& run) {
    const detail::ticker_thread heartbeat(run);
    std::vector<std::jthread> threads;
    threads.reserve(run.records.size());
    for (auto& record : run.records) {
        try {
            threads.emplace_back([&run, &record](std::stop_token stop) {
                try {
                    // An io_context that only runs coroutines opens no file descriptor; the
                    // task's waits block this thread, so no timer (and no reactor) is made.
                    asio::io_context io(1);
                    detail::blocking_context ctx({record.index, run.records.size(), run.s.settings.seed},
                                                 run.shared_state, run.s.settings.time_scale, std::move(stop));
                    detail::spawn_recorded(io, ctx, run);
                    io.run();
                } catch (...) {
                    // Only setting up the loop can get here (the task's own exceptions are in
                    // its record already); an escape would terminate every other task too.
                    const bool counted = record.started;
                    detail::fail_outside_task(record, run.origin_ns);
                    if (!counted) run.task_done();
                }
            });
        } catch (const std::exception& e) {
            record.status = task_status::failed;
            record.error = std::string("thread not started: ") + e.what();
            record.start_ns = record.end_ns = monotonic_ns() - run.origin_ns;
            run.task_done();
        }
    }
    // Join explicitly: a jthread's destructor would first request stop and cut waits short.
    for (auto& t : threads) t.join();
}

}  // namespace tasklab
