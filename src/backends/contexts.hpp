#pragma once
// The three ways a backend fulfils the task interface. Internal to the backends.
#include <asio/any_io_executor.hpp>
#include <asio/basic_waitable_timer.hpp>
#include <asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/async_mutex.hpp"
#include "tasklab/backend.hpp"
#include "tasklab/context.hpp"
#include "tasklab/report.hpp"
#include "tasklab/task.hpp"

struct perf_event_mmap_page;

namespace tasklab::detail {

/// The calling thread's CPU time, for the task meter. Used only on the thread that made it.
///
/// The plain clock asks the kernel at every reading (clock_gettime(CLOCK_THREAD_CPUTIME_ID), a
/// system call: 1-5 us on a paravirtualised machine, more than a whole raw Asio task). The
/// watching clock, for a loop thread that meters many short slices, asks the kernel only after
/// the thread was switched out: a perf event on the thread (PERF_COUNT_SW_DUMMY, no samples)
/// maps a page whose seqlock the kernel bumps each time it schedules the thread back in. While
/// the seqlock is unchanged since the last kernel reading (the anchor), the thread has been on
/// its CPU throughout, so its CPU time has advanced exactly as the monotonic clock has: the
/// reading is the anchor plus the monotonic time since it, with no system call. The anchor is
/// renewed after every switch and at least every millisecond. Where perf_event_open is refused
/// (perf_event_paranoid 3, a seccomp filter) the watching clock is the plain one.
class cpu_clock {
public:
    /// The plain clock.
    cpu_clock() noexcept = default;
    /// A watching clock for the calling thread, or the plain clock if the thread cannot be watched.
    static cpu_clock watching_this_thread() noexcept;
    ~cpu_clock();
    cpu_clock(cpu_clock&& other) noexcept;
    cpu_clock& operator=(cpu_clock&&) = delete;
    cpu_clock(const cpu_clock&) = delete;
    cpu_clock& operator=(const cpu_clock&) = delete;

    /// Whether readings cost no system call (between switches).
    bool watching() const noexcept { return page_ != nullptr; }
    /// The thread's CPU time now, in nanoseconds; `mono_now` is CLOCK_MONOTONIC just read.
    std::int64_t now(std::int64_t mono_now) noexcept;
    /// The same, reading the monotonic clock itself if it needs it.
    std::int64_t now() noexcept;

private:
    std::uint32_t sequence() const noexcept;
    void anchor() noexcept;

    const perf_event_mmap_page* page_ = nullptr;
    int fd_ = -1;
    std::uint32_t sequence_ = 0;
    std::int64_t cpu_anchor_ = 0;
    std::int64_t mono_anchor_ = 0;
};

/// Where a run's tasks run, for spawn_recorded: the run, the clock of the thread that runs
/// them and, when the backend knows it already, the worker id (-1: the calling thread's id is
/// read at each task's start). One per loop; it must outlive the loop's tasks.
struct task_site {
    explicit task_site(run_state* r, cpu_clock* c = nullptr, std::int64_t w = -1, task_record* own = nullptr) noexcept
        : run(r), clock(c), worker(w), own_record(own) {}

    run_state* run = nullptr;
    cpu_clock* clock = nullptr;  // nullptr: the plain clock
    std::int64_t worker = -1;
    /// The record the loop's one task fills, when not the run's (nullptr: run->records). A
    /// fork child fills one on its stack: the run's records are the parent's, and writing
    /// one would copy the page it sits on.
    task_record* own_record = nullptr;
    /// Called on the task's thread by the task that completes the run (the coroutine backend
    /// ends its heartbeat with it).
    std::function<void()> after_last;
};

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

/// A steady timer bound to an io_context's own executor: 72 bytes, against 120 for an
/// asio::steady_timer, whose any_io_executor is type-erased.
using loop_timer = asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                                              asio::io_context::executor_type>;

class timer_context;

/// A pooled timer and the task waiting on it: one pointer reaches both, so the wait's
/// initiation and its handler each carry 8 bytes.
struct pending_wait {
    explicit pending_wait(asio::io_context::executor_type ex) : timer(ex) {}
    loop_timer timer;
    // In use: the waiting task's context. Free: the next free timer. 80 bytes in all, so a
    // deque block of 512 holds six.
    union {
        timer_context* ctx = nullptr;
        pending_wait* next_free;
    };
};

/// Timers for the waits of one loop's tasks, reused: as many exist as waits were ever in
/// flight at once, and a task that never waits costs none.
class timer_pool {
public:
    explicit timer_pool(asio::io_context::executor_type ex) : executor_(ex) {}
    pending_wait& take();
    void give_back(pending_wait& w) noexcept {
        w.next_free = free_;
        free_ = &w;
    }

private:
    asio::io_context::executor_type executor_;
    std::deque<pending_wait> waits_;
    pending_wait* free_ = nullptr;  // a list through the free timers themselves: no memory of its own
};

/// What the tasks of one event loop share: the loop, its timers, the locks they take, and the
/// clock that meters them. Declared before the io_context, so that it outlives every frame; the
/// timer pool is declared after it (an I/O object must go before its loop) and attached.
struct loop_state {
    /// `shared`: other tasks run on this loop too, so the time after a yield is spent
    /// interleaved with them (a fork child's loop runs its task alone: a yield waits for nobody).
    explicit loop_state(bool shared, cpu_clock* clock = nullptr) noexcept : shared(shared), clock(clock) {}
    /// `pool`: nullptr for a loop whose waits block (a fork child's).
    void attach(asio::io_context& loop, timer_pool* pool) noexcept {
        io = &loop;
        timers = pool;
    }
    asio::io_context::executor_type executor() const noexcept { return io->get_executor(); }

    asio::io_context* io = nullptr;
    timer_pool* timers = nullptr;
    async_lock_table locks;
    bool shared;
    cpu_clock* clock;  // nullptr: the plain clock
};

/// Tasks on an event loop: waits are timers, a yield goes to the back of the loop's queue.
/// Waits and yields are completion handlers around the timer or the post, not coroutines of
/// their own: a waiting task holds no frame for its wait, only a pooled timer.
class timer_context : public context {
public:
    timer_context(std::uint32_t index, const run_constants& run, std::stop_token stop, loop_state& loop) noexcept
        : context(index, run, std::move(stop)), loop_(loop) {}
    timer_context(std::uint32_t, const run_constants&&, std::stop_token, loop_state&) = delete;  // would dangle
    awaitable<void> yield() override;
    /// Ends the task's current wait (a timer, or a queued lock) at once; the task then finds
    /// why with throw_if_stopped(). For a stopped run or a passed deadline, from the loop.
    virtual void cancel_wait() noexcept;
    /// Between the task's start and its end (its record is being metered).
    bool running() const noexcept;

    loop_state& loop() const noexcept { return loop_; }

protected:
    awaitable<void> wait_for(std::chrono::nanoseconds real) override;

private:
    loop_state& loop_;
    pending_wait* timer_wait_ = nullptr;  // the pooled timer the task waits on, if any
};

/// Coroutine backend: many tasks share one loop, so a lock must suspend, never block.
class loop_context final : public timer_context {
public:
    loop_context(std::uint32_t index, const run_constants& run, std::stop_token stop, loop_state& loop) noexcept
        : timer_context(index, run, std::move(stop), loop) {}
    loop_context(std::uint32_t, const run_constants&&, std::stop_token, loop_state&) = delete;  // would dangle
    awaitable<lock_guard> lock(mutex& m) override;
    void cancel_wait() noexcept override;

protected:
    void unlock(mutex& m) noexcept override;

private:
    mutex* lock_wait_ = nullptr;  // the mutex the task queues for, if any
};

/// A fork child: its loop runs nothing but this one task, so a wait may block the thread, as
/// on the thread backend, and so may the process-shared pthread mutex. A sleeping child makes
/// no timer, so no reactor: no epoll, eventfd or timerfd, no system calls to set them up, no
/// pages for them. A yield still goes through the loop.
class child_context final : public timer_context {
public:
    child_context(std::uint32_t index, const run_constants& run, std::stop_token stop, loop_state& loop) noexcept
        : timer_context(index, run, std::move(stop), loop) {}
    child_context(std::uint32_t, const run_constants&&, std::stop_token, loop_state&) = delete;  // would dangle
    awaitable<lock_guard> lock(mutex& m) override;

protected:
    awaitable<void> wait_for(std::chrono::nanoseconds real) override;
    void unlock(mutex& m) noexcept override;
};

/// Gives the context the record it meters (CPU time between waits, wait spans).
struct task_meter {
    /// The run's timeout (run_constants::timeout_ns, 0: none) sets the task's deadline from
    /// record.start_ns. `clock` is the calling thread's (nullptr: the plain clock), `mono_now`
    /// the monotonic time just read. A task whose waits are recorded is metered with the plain
    /// clock throughout: context::wait_begins/wait_ends, which record the spans, read it.
    static void start(context& ctx, task_record& record, cpu_clock* clock, std::int64_t mono_now) noexcept;
    static bool running(const context& ctx) noexcept { return ctx.record_ != nullptr; }
    static void stop(context& ctx, cpu_clock* clock) noexcept;
    /// A wait of a task on `clock`'s thread begins / ends (what context::waiting does, with
    /// that clock).
    static void wait_begins(context& ctx, wait_kind kind, cpu_clock* clock) noexcept;
    static void wait_ends(context& ctx, cpu_clock* clock) noexcept;
    /// A wait that blocks the task's own thread (which runs only this task): the CPU clock
    /// stands still meanwhile, so only recorded wait spans (and a pending --crash) need the
    /// bracket.
    static void blocking_wait_begins(context& ctx, wait_kind kind) noexcept;
    static void blocking_wait_ends(context& ctx) noexcept;

private:
    /// Whether the task's waits go through context::wait_begins/wait_ends: recorded, on the
    /// plain clock, or with a crash to deliver at the next wait.
    static bool plain(const context& ctx, const cpu_clock* clock) noexcept;
};

/// A task that never started: cancelled (the run stopped first) or failed (its thread or
/// process could not be created), with the reason; counts it done.
void not_started(task_record& record, std::string reason, run_state& run,
                 task_status status = task_status::cancelled) noexcept;

/// Marks a record failed for a reason outside the task (its loop or frame could not be made).
void fail_outside_task(task_record& record, std::int64_t origin_ns) noexcept;

/// Starts task ctx.index() on `io`; when it ends, its record holds its times, worker, CPU
/// time, waits, status and value, and site.run->task_done() has been called. Exceptions from
/// the task become a failed record; none is ever dropped. `site` must outlive the task.
/// Called from inside io.run(), the task runs at once until it first suspends.
void spawn_recorded(asio::io_context& io, context& ctx, const task_site& site) noexcept;

/// The same, and runs `io` until the task has ended, for a loop that runs this one task and
/// nothing else meanwhile (sequential, thread, a fork child): its end can wait for
/// co_spawn's completion handler, since no other task can run before it, so the task needs
/// no frame around it. One allocation fewer per task, and in a fork child one page fewer to
/// copy. Whatever happens, the task is counted done exactly once when this returns.
void run_alone(asio::io_context& io, context& ctx, const task_site& site) noexcept;

}  // namespace tasklab::detail
