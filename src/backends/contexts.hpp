#pragma once
// The three ways a backend fulfils the task interface. Internal to the backends.
#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>

#include "backends/async_mutex.hpp"
#include "tasklab/backend.hpp"
#include "tasklab/context.hpp"
#include "tasklab/report.hpp"
#include "tasklab/task.hpp"

namespace tasklab::detail {

/// Sequential and thread: a wait blocks the calling thread (and wakes early on stop), a
/// lock is the blocking pthread lock. Costs no file descriptor: nothing here needs a reactor.
class blocking_context final : public context {
public:
    using context::context;
    awaitable<void> yield() override;
    awaitable<lock_guard> lock(mutex& m) override;
    /// Set when someone else stops this task for its deadline (a flag that becomes true first).
    void timeout_flag(const std::atomic<bool>* flag) noexcept { timed_out_ = flag; }

protected:
    awaitable<void> wait_for(std::chrono::nanoseconds real) override;
    void unlock(mutex& m) noexcept override;
    bool stopped_for_timeout() const noexcept override { return timed_out_ && timed_out_->load(); }

private:
    const std::atomic<bool>* timed_out_ = nullptr;
};

/// One async_mutex per tasklab::mutex that the tasks of one event loop lock.
class async_lock_table {
public:
    async_mutex& of(mutex& m, const asio::any_io_executor& ex);
    void unlock(mutex& m) noexcept;
    /// Ends the queued lock wait of `waiter` on `m` (see async_mutex::cancel).
    void cancel(mutex& m, const void* waiter) noexcept;

private:
    std::unordered_map<const mutex*, std::unique_ptr<async_mutex>> table_;
};

/// Tasks on an event loop: waits are timers, a yield goes to the back of the loop's queue.
class timer_context : public context {
public:
    /// `shared_loop`: other tasks run on this loop too, so the time after a yield is spent
    /// interleaved with them (a fork child's loop runs its task alone: a yield waits for nobody).
    timer_context(task_identity id, void* shared_state, double time_scale, std::stop_token stop,
                  asio::any_io_executor ex, bool shared_loop) noexcept
        : context(id, shared_state, time_scale, std::move(stop)), executor_(std::move(ex)), shared_loop_(shared_loop) {}
    awaitable<void> yield() override;
    /// Ends the task's current wait (a timer, or a queued lock) at once; the task then finds
    /// why with throw_if_stopped(). For a stopped run or a passed deadline, from the loop.
    virtual void cancel_wait() noexcept;
    /// Between the task's start and its end (its record is being metered).
    bool running() const noexcept;

protected:
    awaitable<void> wait_for(std::chrono::nanoseconds real) override;
    const asio::any_io_executor& executor() const noexcept { return executor_; }

private:
    asio::any_io_executor executor_;
    asio::steady_timer* timer_ = nullptr;  // the timer the task waits on, if any
    bool shared_loop_;
};

/// Coroutine backend: many tasks share one loop, so a lock must suspend, never block.
class loop_context final : public timer_context {
public:
    loop_context(task_identity id, void* shared_state, double time_scale, std::stop_token stop,
                 asio::any_io_executor ex, async_lock_table& locks) noexcept
        : timer_context(id, shared_state, time_scale, std::move(stop), std::move(ex), true), locks_(locks) {}
    awaitable<lock_guard> lock(mutex& m) override;
    void cancel_wait() noexcept override;

protected:
    void unlock(mutex& m) noexcept override;

private:
    async_lock_table& locks_;
    mutex* lock_wait_ = nullptr;  // the mutex the task queues for, if any
};

/// A fork child: its loop runs nothing but this one task, so the process-shared pthread
/// mutex may block it.
class child_context final : public timer_context {
public:
    child_context(task_identity id, void* shared_state, double time_scale, std::stop_token stop,
                  asio::any_io_executor ex) noexcept
        : timer_context(id, shared_state, time_scale, std::move(stop), std::move(ex), false) {}
    awaitable<lock_guard> lock(mutex& m) override;

protected:
    void unlock(mutex& m) noexcept override;
};

/// Gives the context the record it meters (CPU time between waits, wait spans).
struct task_meter {
    /// `timeout_ns` (0: none) sets the task's deadline from now.
    static void start(context& ctx, task_record& record, std::int64_t origin_ns, bool record_waits,
                      std::int64_t timeout_ns) noexcept;
    static bool running(const context& ctx) noexcept { return ctx.record_ != nullptr; }
    static void stop(context& ctx) noexcept;
};

/// A task that never started: cancelled (the run stopped first) or failed (its thread or
/// process could not be created), with the reason; counts it done.
void not_started(task_record& record, std::string reason, run_state& run,
                 task_status status = task_status::cancelled) noexcept;

/// Marks a record failed for a reason outside the task (its loop or frame could not be made).
void fail_outside_task(task_record& record, std::int64_t origin_ns) noexcept;

/// Starts task ctx.index() on `io`; when it ends, its record holds its times, worker, CPU
/// time, waits, status and value, and run.task_done() has been called. Exceptions from the
/// task become a failed record; none is ever dropped.
void spawn_recorded(asio::io_context& io, context& ctx, run_state& run) noexcept;

}  // namespace tasklab::detail
