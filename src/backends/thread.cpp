#include "tasklab/backends/thread.hpp"

#include <asio/io_context.hpp>

#include <system_error>
#include <thread>
#include <vector>

#include "backends/contexts.hpp"
#include "tasklab/clock.hpp"

namespace tasklab {

std::string_view thread_backend::summary() const noexcept {
    return "one std::jthread per task; waits block that thread: preemptive";
}

void thread_backend::execute(const scenario& s, void* shared_state, std::span<task_record> records,
                             std::int64_t origin_ns) {
    std::vector<std::jthread> threads;
    threads.reserve(records.size());
    for (auto& record : records) {
        try {
            threads.emplace_back([&s, shared_state, &record, n = records.size(), origin_ns](std::stop_token stop) {
                try {
                    // An io_context that only runs coroutines opens no file descriptor; the
                    // task's waits block this thread, so no timer (and no reactor) is made.
                    asio::io_context io(1);
                    detail::blocking_context ctx({record.index, n, s.settings.seed}, shared_state,
                                                 s.settings.time_scale, std::move(stop));
                    detail::spawn_recorded(io, *s.work, ctx, record, origin_ns);
                    io.run();
                } catch (...) {
                    // Only setting up the loop can get here (the task's own exceptions are in
                    // its record already); an escape would terminate every other task too.
                    detail::fail_outside_task(record, origin_ns);
                }
            });
        } catch (const std::exception& e) {
            record.status = task_status::failed;
            record.error = std::string("thread not started: ") + e.what();
            record.start_ns = record.end_ns = monotonic_ns() - origin_ns;
        }
    }
    // Join explicitly: a jthread's destructor would first request stop and cut waits short.
    for (auto& t : threads) t.join();
}

}  // namespace tasklab
