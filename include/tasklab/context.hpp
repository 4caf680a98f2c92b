#pragma once
// What a task may do: wait, yield, lock, look at its identity and stop state, and reach the
// shared state. Each backend supplies its own context, so the same task code waits on a timer
// in an event loop, blocks its own thread, or runs in a child process.
#include <asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stop_token>

#include "tasklab/report.hpp"
#include "tasklab/shared.hpp"

namespace tasklab {

template <class T>
using awaitable = asio::awaitable<T>;

/// Simulated seconds: what a task asks for. The context turns them into real time with the
/// run's --time-scale, so task code never sees the scale.
using sim_seconds = std::chrono::duration<double>;

/// Who a task is within its run.
struct task_identity {
    std::size_t index = 0;  // 0 .. count-1
    std::size_t count = 1;  // tasks in the run
    std::uint64_t seed = 0; // the run's seed
};

/// What is the same for every task of a run: one per run, made by the backend (run_state
/// holds it), and pointed to by each task's context, which must not outlive it. Keeping it out
/// of the contexts keeps a context small: a run may hold a million of them at a time.
struct run_constants {
    std::size_t count = 1;         // tasks in the run
    std::uint64_t seed = 0;        // the run's seed
    void* shared_state = nullptr;  // see workload::shared_layout
    double time_scale = 1.0;       // real seconds per simulated second
    std::int64_t origin_ns = 0;    // the run's start, monotonic clock
    std::int64_t timeout_ns = 0;   // per task, real; 0: none
    bool record_waits = false;     // keep every task's wait spans
};

class context;
namespace detail {
struct task_meter;
struct fault_hook;
}

/// Holds a lock taken with context::lock; releases it when destroyed.
class [[nodiscard]] lock_guard {
public:
    lock_guard() = default;
    lock_guard(context& ctx, mutex& m, bool owner_died) noexcept
        : ctx_(&ctx), mutex_(&m), owner_died_(owner_died) {}
    lock_guard(lock_guard&& other) noexcept;
    lock_guard& operator=(lock_guard&& other) noexcept;
    lock_guard(const lock_guard&) = delete;
    lock_guard& operator=(const lock_guard&) = delete;
    ~lock_guard() { unlock(); }

    void unlock() noexcept;
    bool owns_lock() const noexcept { return ctx_ != nullptr; }
    /// True when the previous owner (a killed process) died holding the lock: repair what it
    /// guards, then call mark_consistent() (unlock does it otherwise, repaired or not).
    bool owner_died() const noexcept { return owner_died_; }
    void mark_consistent();

private:
    context* ctx_ = nullptr;
    mutex* mutex_ = nullptr;
    bool owner_died_ = false;
};

class context {
public:
    /// Task `index` of the run that `run` describes; `run` must outlive the context.
    context(std::uint32_t index, const run_constants& run, std::stop_token stop) noexcept
        : run_(&run), stop_(std::move(stop)), index_(index) {}
    context(std::uint32_t index, const run_constants&& run, std::stop_token stop) = delete;  // would dangle
    virtual ~context() = default;
    context(const context&) = delete;
    context& operator=(const context&) = delete;

    task_identity identity() const noexcept { return {index_, run_->count, run_->seed}; }
    std::size_t index() const noexcept { return index_; }

    /// The run's shared state, as the task type laid it out (see workload::shared_layout).
    template <class T>
    T& shared() const noexcept { return *static_cast<T*>(run_->shared_state); }

    std::stop_token stop_token() const noexcept { return stop_; }
    bool stop_requested() const noexcept { return stop_.stop_requested(); }

    /// Waits without using a CPU. Throws task_cancelled if the stop state is requested.
    awaitable<void> sleep_for(sim_seconds simulated) { return wait_for(to_real(simulated)); }
    /// A scheduling point: other tasks of the same event loop may run now.
    virtual awaitable<void> yield() = 0;
    /// Mutual exclusion with the mechanism that fits the backend.
    virtual awaitable<lock_guard> lock(mutex& m) = 0;

    double time_scale() const noexcept { return run_->time_scale; }
    /// When the task's --timeout runs out, on the monotonic clock (ns); 0: no timeout. Waits
    /// end there with task_cancelled; a task that computes can poll past_deadline().
    std::int64_t deadline_ns() const noexcept { return deadline_ns_; }
    bool past_deadline() const noexcept;
    /// Throws task_cancelled, saying why, if the run was stopped or the deadline passed:
    /// what every wait does before and after waiting. For tasks that compute for long.
    void throw_if_stopped() const;
    std::chrono::nanoseconds to_real(sim_seconds simulated) const noexcept;

protected:
    virtual awaitable<void> wait_for(std::chrono::nanoseconds real) = 0;
    /// Whether a stop request on this task's token was its timeout (a backend may stop a task
    /// for its deadline from outside: the thread backend's watcher does).
    virtual bool stopped_for_timeout() const noexcept { return false; }
    virtual void unlock(mutex& m) noexcept = 0;
    friend class lock_guard;

    /// Backends bracket every wait with these two, so that the task's record can tell its
    /// running time (and CPU time) from its waiting time.
    void wait_begins(wait_kind kind) noexcept;
    void wait_ends() noexcept;
    /// The process-shared mutex, blocking the calling thread; records a lock wait only when
    /// another owner held it. For backends whose tasks may block their thread. Gives up with
    /// task_cancelled when the stop is requested or the deadline passes.
    bool lock_blocking(mutex& m);
    /// wait_begins on construction, wait_ends on destruction (also when the wait throws).
    class waiting {
    public:
        waiting(context& ctx, wait_kind kind) noexcept : ctx_(ctx) { ctx_.wait_begins(kind); }
        ~waiting() { ctx_.wait_ends(); }
        waiting(const waiting&) = delete;
        waiting& operator=(const waiting&) = delete;

    private:
        context& ctx_;
    };

private:
    friend struct detail::task_meter;
    friend struct detail::fault_hook;

    // A context is per task, a million of them at a time: what every task of the run shares is
    // behind run_, and only what differs per task is here, the small members last, together
    // (72 bytes with the vtable pointer on x86-64).
    const run_constants* run_;
    std::stop_token stop_;  // per task: the thread backend gives each task its own

    // Metering of the running task (set by the backend, see detail::task_meter).
    task_record* record_ = nullptr;
    std::int64_t cpu_mark_ = 0;  // this thread's CPU clock when the task last resumed
    std::int64_t wait_start_ = 0;
    std::int64_t deadline_ns_ = 0;
    std::uint32_t index_;   // 0 .. count-1 (a task_record's index is 32 bits too)
    int crash_signal_ = 0;  // fault injection: raise this at the next wait (fault_plan::crash)
    wait_kind waiting_for_ = wait_kind::sleep;
};

}  // namespace tasklab
