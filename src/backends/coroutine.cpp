#include "tasklab/backends/coroutine.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <deque>
#include <functional>

#include "backends/contexts.hpp"
#include "backends/heartbeat.hpp"

namespace tasklab {

std::string_view coroutine_backend::summary() const noexcept {
    return "every task a coroutine on one io_context, one thread: cooperative";
}

namespace {

/// Ends the waits of tasks past their deadline and, once the run is stopped, of every task:
/// called on the loop at each heartbeat tick. Tasks start in index order on the one loop, so
/// their deadlines come in index order too, and a cursor visits each task once.
class wait_canceller {
public:
    wait_canceller(std::deque<detail::loop_context>& contexts, const run_state& run)
        : contexts_(contexts), run_(run) {}

    void operator()(std::int64_t now) {
        if (!stopped_ && run_.stop.stop_requested()) {
            stopped_ = true;
            for (auto& ctx : contexts_)
                if (ctx.running()) ctx.cancel_wait();
        }
        if (run_.timeout_ns == 0) return;
        for (; next_ < contexts_.size(); ++next_) {
            auto& ctx = contexts_[next_];
            if (ctx.deadline_ns() == 0) {
                if (ctx.running()) break;  // cannot be: started tasks have a deadline
                continue;                  // done already (or not started: a frozen loop)
            }
            if (ctx.deadline_ns() > now) break;
            if (ctx.running()) ctx.cancel_wait();
        }
    }

private:
    std::deque<detail::loop_context>& contexts_;
    const run_state& run_;
    std::size_t next_ = 0;
    bool stopped_ = false;
};

}  // namespace

void coroutine_backend::execute(run_state& run) {
    // Declared before the loop so they outlive every coroutine frame that refers to them.
    std::deque<detail::loop_context> contexts;
    detail::async_lock_table locks;
    wait_canceller canceller(contexts, run);

    asio::io_context io(1);
    // The heartbeat shares the tasks' loop: a task that never yields freezes it - and the
    // deadlines and stop requests it delivers wait too, as they would in any event loop.
    asio::co_spawn(io, detail::loop_ticker(run, std::ref(canceller)), [](std::exception_ptr) noexcept {
        // Only a failed timer ends the ticker early: the run goes on, and the report has
        // fewer ticks - which it shows.
    });
    for (auto& record : run.records) {
        auto& ctx = contexts.emplace_back(task_identity{record.index, run.records.size(), run.s.settings.seed},
                                          run.shared_state, run.s.settings.time_scale, run.stop.get_token(),
                                          io.get_executor(), locks);
        detail::spawn_recorded(io, ctx, run);
    }
    io.run();
}

}  // namespace tasklab
