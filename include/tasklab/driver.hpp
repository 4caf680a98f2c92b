#pragma once
// Under the context: what a backend supplies so that task code can wait, yield and lock. The
// context checks stop requests and deadlines, and meters running against waiting time around
// every call; a driver only does the waiting, in the way its backend runs tasks.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "tasklab/clock.hpp"
#include "tasklab/context.hpp"
#include "tasklab/io.hpp"

namespace tasklab {

class driver {
public:
    virtual ~driver() = default;

    /// Waits until `until_ns` on the monotonic clock without using a CPU. May return early,
    /// without an error, once the task's stop is requested (ctx.stop_token()): the context
    /// then says why. The context has already cut `until_ns` to the task's deadline.
    virtual awaitable<void> wait_until(context& ctx, std::int64_t until_ns) = 0;

    /// A scheduling point: tasks that share this task's thread run first.
    virtual awaitable<void> yield(context& ctx) = 0;
    /// Whether other tasks run on a task's thread while it yields (an event loop): the context
    /// then meters a yield as waiting behind them (wait_kind::interleaved).
    virtual bool shares_thread() const noexcept { return false; }

    /// Takes `m` if it is free, without waiting: nullopt when someone holds it, otherwise
    /// whether its previous owner died holding it (as tasklab::mutex::try_lock).
    virtual std::optional<bool> try_lock(context& ctx, mutex& m) = 0;
    /// Waits for `m` after try_lock found it held; the same answer once it is the task's. Ends
    /// with task_cancelled (ctx.throw_if_stopped()) if the task is stopped or its deadline
    /// passes while it waits.
    virtual awaitable<bool> lock(context& ctx, mutex& m) = 0;
    virtual void unlock(context& ctx, mutex& m) noexcept = 0;

    // Sockets. Each call throws io_error when the network says no (refused, reset), and
    // task_cancelled (ctx.throw_if_stopped()) when the task is stopped or its deadline passes
    // while it waits. By default they block the calling thread (src/blocking_io.cpp), which
    // is how a task that has its thread to itself does I/O; an event loop overrides them. The
    // defaults work on the connections the default connect makes: a driver that overrides
    // connect overrides all of them.

    /// Opens a TCP connection to `to`.
    virtual awaitable<connection> connect(context& ctx, const endpoint& to);
    /// Writes some of `data`, at least one byte; returns how many.
    virtual awaitable<std::size_t> write_some(context& ctx, connection& c, std::string_view data);
    /// Reads what has arrived, at least one byte, into `into`; 0 when the peer has closed. By
    /// default: read_ready, and wait_readable while nothing has arrived.
    virtual awaitable<std::size_t> read_some(context& ctx, connection& c, std::span<char> into);
    /// Waits until `c` has something to read (bytes, its end or an error) without reading it:
    /// the readiness an event loop's epoll reports. Nothing to read into is held meanwhile.
    virtual awaitable<void> wait_readable(context& ctx, connection& c);
    /// Reads what has arrived into `into` without waiting: nullopt when nothing has, 0 when the
    /// peer has closed.
    virtual std::optional<std::size_t> read_ready(context& ctx, connection& c, std::span<char> into);

    /// The clock the context meters a task's CPU time with: the calling thread's CPU time, ns.
    virtual std::int64_t cpu_now() noexcept { return thread_cpu_ns(); }
    /// Who runs the task, for its record: the OS thread id (in a fork child, its pid).
    virtual std::int64_t worker() noexcept { return current_thread_id(); }
};

/// The driver of a task that has its thread to itself (sequential, thread, a fork child): a
/// wait blocks the thread, a lock is the robust pthread mutex itself. It needs no reactor, so
/// a loop that runs its task costs no file descriptor.
class blocking_driver : public driver {
public:
    awaitable<void> wait_until(context& ctx, std::int64_t until_ns) override;
    awaitable<void> yield(context& ctx) override;
    std::optional<bool> try_lock(context& ctx, mutex& m) override;
    awaitable<bool> lock(context& ctx, mutex& m) override;
    void unlock(context& ctx, mutex& m) noexcept override;
};

}  // namespace tasklab
