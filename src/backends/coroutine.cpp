#include "tasklab/backends/coroutine.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <functional>
#include <new>
#include <utility>

#include "backends/contexts.hpp"
#include "backends/heartbeat.hpp"
#include "tasklab/clock.hpp"

namespace tasklab {

std::string_view coroutine_backend::summary() const noexcept {
    return "every task a coroutine on one io_context, one thread: cooperative";
}

namespace {

/// The tasks' contexts in one allocation, constructed in place as the tasks are spawned: 96
/// bytes each, where a deque's 512-byte blocks would hold five (about 105 bytes each).
class context_slots {
public:
    explicit context_slots(std::size_t n)
        : storage_(static_cast<detail::loop_context*>(::operator new(n * sizeof(detail::loop_context)))) {}
    ~context_slots() {
        while (made_ > 0) storage_[--made_].~loop_context();
        ::operator delete(storage_);
    }
    context_slots(const context_slots&) = delete;
    context_slots& operator=(const context_slots&) = delete;

    template <class... Args>
    detail::loop_context& emplace(Args&&... args) {
        auto* ctx = new (storage_ + made_) detail::loop_context(std::forward<Args>(args)...);
        ++made_;
        return *ctx;
    }
    std::size_t size() const noexcept { return made_; }
    detail::loop_context& operator[](std::size_t i) noexcept { return storage_[i]; }
    detail::loop_context* begin() noexcept { return storage_; }
    detail::loop_context* end() noexcept { return storage_ + made_; }

private:
    detail::loop_context* storage_;
    std::size_t made_ = 0;
};

/// Ends the waits of tasks past their deadline and, once the run is stopped, of every task:
/// called on the loop at each heartbeat tick. Tasks start in index order on the one loop, so
/// their deadlines come in index order too, and a cursor visits each task once.
class wait_canceller {
public:
    wait_canceller(context_slots& contexts, const run_state& run)
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
    context_slots& contexts_;
    const run_state& run_;
    std::size_t next_ = 0;
    bool stopped_ = false;
};

}  // namespace

void coroutine_backend::execute(run_state& run) {
    // Every task runs on this thread: its id is every record's worker, and one clock that
    // watches the thread's switches meters them all without a system call per suspension.
    detail::cpu_clock clock = detail::cpu_clock::watching_this_thread();
    detail::task_site site(&run, &clock, current_thread_id());
    // Declared before the loop so they outlive every coroutine frame that refers to them.
    context_slots contexts(run.records.size());
    wait_canceller canceller(contexts, run);
    detail::loop_state loop(true, &clock);

    asio::io_context io(1);
    detail::timer_pool timers(io.get_executor());  // after the loop: destroyed before it
    loop.attach(io, &timers);
    // The heartbeat shares the tasks' loop: a task that never yields freezes it - and the
    // deadlines and stop requests it delivers wait too, as they would in any event loop. The
    // last task to end stops it, so that the run ends with its last task, not at the next tick.
    asio::steady_timer ticker(io);
    site.after_last = [&ticker] { ticker.cancel(); };
    asio::co_spawn(io, detail::loop_ticker(run, ticker, std::ref(canceller)), [](std::exception_ptr) noexcept {
        // Only a failed timer ends the ticker early: the run goes on, and the report has
        // fewer ticks - which it shows.
    });
    // The tasks are spawned from inside the loop, each running until it first suspends before
    // the next is spawned - the order they would start in anyway. What co_spawn allocates only
    // to launch a task is then freed before the next launch and reused by it (Asio recycles
    // frames per thread), instead of being held by every task at once until run() starts.
    asio::post(io, [&] {
        for (auto& record : run.records) {
            auto& ctx = contexts.emplace(record.index, run.constants, run.stop.get_token(), loop);
            detail::spawn_recorded(io, ctx, site);
        }
    });
    io.run();
}

}  // namespace tasklab
