#include "tasklab/backends/coroutine.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <deque>

#include "backends/contexts.hpp"
#include "backends/heartbeat.hpp"

namespace tasklab {

std::string_view coroutine_backend::summary() const noexcept {
    return "every task a coroutine on one io_context, one thread: cooperative";
}

void coroutine_backend::execute(run_state& run) {
    // Declared before the loop so they outlive every coroutine frame that refers to them.
    std::deque<detail::loop_context> contexts;
    detail::async_lock_table locks;
    std::stop_source stop;

    asio::io_context io(1);
    // The heartbeat shares the tasks' loop: a task that never yields freezes it.
    asio::co_spawn(io, detail::loop_ticker(run), [](std::exception_ptr) noexcept {
        // Only a failed timer ends the ticker early: the run goes on, and the report has
        // fewer ticks - which it shows.
    });
    for (auto& record : run.records) {
        auto& ctx = contexts.emplace_back(task_identity{record.index, run.records.size(), run.s.settings.seed},
                                          run.shared_state, run.s.settings.time_scale, stop.get_token(),
                                          io.get_executor(), locks);
        detail::spawn_recorded(io, ctx, run);
    }
    io.run();
}

}  // namespace tasklab
