#pragma once
// What a task may do: wait, yield, take a lock, look at who it is and whether it should stop,
// and reach the run's shared state. One final class for every backend: what differs between
// backends is the driver under it (tasklab/driver.hpp), and the context meters every call it
// makes to the driver in this one place.
#include <asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "tasklab/io.hpp"
#include "tasklab/report.hpp"
#include "tasklab/shared.hpp"

namespace asio {
class io_context;
}

namespace tasklab {

template <class T>
using awaitable = asio::awaitable<T>;

/// Simulated seconds: what a task asks for. The context turns them into real time with the
/// run's time scale, so task code never sees the scale.
using sim_seconds = std::chrono::duration<double>;

/// Who a task is within its run.
struct task_identity {
    std::size_t index = 0;  // 0 .. count-1
    std::size_t count = 1;  // tasks in the run
    std::uint64_t seed = 0; // the run's seed
};

class context;
class driver;
class run_state;
struct task_result;
void spawn_task(const asio::any_io_executor& executor, context& ctx) noexcept;
void run_task(asio::io_context& loop, context& ctx) noexcept;

/// The lock that context::locked holds while its critical section runs; the section gets it
/// by reference. It unlocks when the section ends, returns or throws.
class held_lock {
public:
    held_lock(held_lock&& other) noexcept;
    held_lock& operator=(held_lock&&) = delete;
    held_lock(const held_lock&) = delete;
    held_lock& operator=(const held_lock&) = delete;
    ~held_lock();

    /// True when the previous owner (a killed fork child) died holding the lock: repair what
    /// it guards, then call make_consistent(). (If the section does not, the unlock does,
    /// repaired or not, so that the mutex stays usable.)
    bool owner_died() const noexcept { return owner_died_; }
    void make_consistent();

private:
    friend class context;
    held_lock(context& ctx, mutex& m, bool owner_died) noexcept : ctx_(&ctx), mutex_(&m), owner_died_(owner_died) {}

    context* ctx_;
    mutex* mutex_;
    bool owner_died_;
};

/// Task number index() of a run. Made by the backend, one per task, for as long as the task
/// runs; it refers to the backend's run_state and driver, which outlive it.
class context final {
public:
    context(run_state& run, std::uint32_t index, driver& d, std::stop_token stop) noexcept;
    context(const context&) = delete;
    context& operator=(const context&) = delete;

    task_identity identity() const noexcept;
    std::size_t index() const noexcept { return index_; }

    /// The run's shared state, as the task type laid it out (see workload::shared).
    template <class T>
    T& shared() const noexcept {
        return *static_cast<T*>(shared_memory());
    }

    std::stop_token stop_token() const noexcept { return stop_; }
    bool stop_requested() const noexcept { return stop_.stop_requested(); }
    /// When the task's timeout runs out, on the monotonic clock (ns); 0: it has none. Waits end
    /// there with task_cancelled; a task that computes for long can poll past_deadline().
    std::int64_t deadline_ns() const noexcept { return deadline_ns_; }
    bool past_deadline() const noexcept;
    /// Throws task_cancelled, saying why, if the run was stopped or the deadline passed: what
    /// every wait does before and after waiting. For tasks that compute for long.
    void throw_if_stopped() const;

    double time_scale() const noexcept;
    std::chrono::nanoseconds to_real(sim_seconds simulated) const noexcept;

    /// Waits without using a CPU. Throws task_cancelled if the task is stopped meanwhile.
    awaitable<void> sleep_for(sim_seconds simulated);
    /// Sleeps the task's thread, as a blocking call does (the lesson's time.sleep in a button
    /// handler): not a scheduling point, and neither a stop nor a timeout cuts it short - they
    /// take effect when it returns. On an event loop every other task and timer waits too.
    void block_for(sim_seconds simulated);
    /// A scheduling point: other tasks of the same thread may run now.
    awaitable<void> yield();

    // Sockets, through the backend's driver: an event loop's asynchronous operations, or a
    // blocking call on the task's own thread. Time spent in them is a wait (wait_kind::io).
    // Each throws io_error when the network says no, and task_cancelled when the task is
    // stopped or its deadline passes while it waits.

    /// Opens a TCP connection.
    awaitable<connection> connect(const endpoint& to);
    /// Writes all of `data`.
    awaitable<void> write_all(connection& c, std::string_view data);
    /// Reads what has arrived (at least one byte) into `into`; 0 at the end of the stream.
    awaitable<std::size_t> read_some(connection& c, std::span<char> into);
    /// Readiness, then a read: waits until `c` has something to read, holding no buffer
    /// meanwhile (as an event loop waits for epoll to say a socket is readable), then reads at
    /// most `max` bytes of what has arrived into this thread's read buffer and hands them to
    /// `consume` (called with a std::string_view, before the task waits again). Returns how
    /// many bytes; 0 at the end of the stream. `max` is at least 1 (std::invalid_argument). A task that waits this way keeps no read buffer
    /// of its own, which is what lets one thread hold thousands of connections in little memory.
    ///
    ///     n = co_await ctx.read_arrived(c, left, [&](std::string_view bytes) { sum.add(bytes); });
    template <class Consume>
    awaitable<std::size_t> read_arrived(connection& c, std::size_t max, Consume consume) {
        const auto arrived = co_await receive(c, max);
        consume(std::string_view(arrived.data(), arrived.size()));
        co_return arrived.size();
    }
    /// Reads until `buffer` (appended to, with what arrived, as read_arrived reads) holds
    /// `delimiter`; returns where the delimiter ends. Throws io_error if the stream ends first
    /// or `buffer` would grow past `max_bytes`.
    awaitable<std::size_t> read_until(connection& c, std::string& buffer, std::string_view delimiter,
                                      std::size_t max_bytes);
    /// Fills `into` completely; throws io_error ("... ended after k of n bytes") if the stream
    /// ends first.
    awaitable<void> read_exactly(connection& c, std::span<char> into);

    /// Runs `critical` (a coroutine taking held_lock&) while holding `m`, with the mechanism
    /// that fits the backend: an asynchronous lock on an event loop, the blocking robust
    /// pthread mutex where a task has its thread to itself. Returns what `critical` returns.
    ///
    ///     co_await ctx.locked(account.lock, [&](held_lock&) -> awaitable<void> { ... });
    ///
    /// A scope, not a guard: a guard returned through co_await can be dropped at once without
    /// a warning, and then locks nothing.
    template <class Critical>
    std::invoke_result_t<Critical&, held_lock&> locked(mutex& m, Critical critical) {
        // `critical` lives in this frame until the section ends, its captures with it.
        held_lock held = co_await acquire(m);
        co_return co_await critical(held);
    }

    /// There is no lock(m): see locked().
    template <class... Any>
    void lock(Any&&...) {
        static_assert(sizeof...(Any) == 0 && sizeof...(Any) != 0,
                      "context::lock(m) does not exist: a guard from `co_await ctx.lock(m);` would be dropped at "
                      "once and lock nothing. Write co_await ctx.locked(m, [&](tasklab::held_lock&) -> "
                      "tasklab::awaitable<T> { ... }) - the lock is held while the section runs.");
    }

private:
    friend class held_lock;
    friend void spawn_task(const asio::any_io_executor& executor, context& ctx) noexcept;
    friend void run_task(asio::io_context& loop, context& ctx) noexcept;

    void* shared_memory() const noexcept;
    /// What read_arrived hands on: a view of this thread's read buffer, valid until the task
    /// waits again.
    awaitable<std::span<const char>> receive(connection& c, std::size_t max);
    awaitable<held_lock> acquire(mutex& m);
    void release(mutex& m) noexcept;

    // A task's life as spawn_task runs it: its record begins, the task runs, the record
    // ends (what the task returned or threw), and the run counts it done.
    static awaitable<void> run_recorded(context& ctx);
    void begins() noexcept;
    void returned(const task_result& result) noexcept;
    void threw(std::exception_ptr e) noexcept;
    void ends() noexcept;
    void could_not_run(std::exception_ptr e) noexcept;

    // Every driver call that may wait goes between these two: they move the task's CPU time
    // and, when the run records them, its wait spans.
    void wait_begins(wait_kind kind) noexcept;
    void wait_ends() noexcept;
    class metered_wait;

    run_state* run_;
    driver* driver_;
    std::stop_token stop_;   // per task: the thread backend gives each task its own
    task_record* record_ = nullptr;  // while the task runs
    std::int64_t cpu_mark_ = 0;      // the driver's CPU clock when the task last resumed
    std::int64_t wait_start_ = 0;
    std::int64_t deadline_ns_ = 0;
    std::uint32_t index_;
    wait_kind waiting_for_ = wait_kind::sleep;
    int crash_signal_;  // a fault asked for (fault_plan::crash): raised at the task's first wait
};

}  // namespace tasklab
