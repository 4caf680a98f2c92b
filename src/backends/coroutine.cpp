#include "tasklab/backends/coroutine.hpp"

#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "backends/async_mutex.hpp"
#include "backends/cpu_clock.hpp"
#include "backends/heartbeat.hpp"
#include <fmt/format.h>

#include "tasklab/clock.hpp"
#include "tasklab/driver.hpp"
#include "tasklab/io.hpp"

namespace tasklab {

std::string_view coroutine_backend::summary() const noexcept {
    return "every task a coroutine on one io_context, one thread: cooperative";
}

namespace {

/// A connection on the loop: an Asio socket, whose operations the loop's epoll completes.
class loop_socket final : public connection_state {
public:
    loop_socket(const asio::any_io_executor& executor, std::string peer) : socket(executor), peer(std::move(peer)) {}
    asio::ip::tcp::socket socket;
    std::string peer;
};

/// An operation that leaves its error in `ec` instead of throwing: a cancelled one is a stop or
/// a deadline, which the context explains.
asio::redirect_error_t<asio::use_awaitable_t<>> redirect(std::error_code& ec) {
    return asio::redirect_error(asio::use_awaitable, ec);
}

/// Every task of the run on one event loop, driven by one thread: a wait is a timer, a yield
/// goes to the back of the loop's queue, and a lock suspends - it must never block, since the
/// thread that would wait is the one the holder needs to finish. Used on the loop's thread only.
class loop_driver final : public driver {
public:
    explicit loop_driver(std::size_t tasks)
        : clock_(detail::cpu_clock::watching_this_thread()), thread_(current_thread_id()), waits_(tasks) {}

    awaitable<void> wait_until(context& ctx, std::int64_t until_ns) override {
        asio::steady_timer timer(co_await asio::this_coro::executor,
                                 clock::time_point(std::chrono::nanoseconds(until_ns)));
        waits_[ctx.index()].timer = &timer;
        std::error_code cancelled;  // by cancel_waits: the context says why
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
        waits_[ctx.index()].timer = nullptr;
    }

    awaitable<void> yield(context&) override {
        co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    }
    bool shares_thread() const noexcept override { return true; }

    std::optional<bool> try_lock(context&, mutex& m) override {
        if (!lock_of(m).try_lock()) return std::nullopt;
        return false;  // only a process can die holding a lock, and all of these are in this one
    }
    awaitable<bool> lock(context& ctx, mutex& m) override {
        auto& slot = waits_[ctx.index()];
        slot.lock = &m;
        std::error_code ec;
        co_await lock_of(m).async_lock(asio::redirect_error(asio::use_awaitable, ec), &ctx);
        slot.lock = nullptr;
        if (ec) {
            ctx.throw_if_stopped();  // cancelled by cancel_waits: stopped, or past its deadline
            throw std::system_error(ec);
        }
        co_return false;
    }
    void unlock(context&, mutex& m) noexcept override {
        // Only a task that holds `m` unlocks it, so its async_mutex exists: find allocates nothing.
        if (const auto it = locks_.find(&m); it != locks_.end()) it->second->unlock();
    }

    awaitable<connection> connect(context& ctx, const endpoint& to) override {
        std::error_code ec;
        const auto address = asio::ip::make_address(to.address, ec);
        if (ec) throw io_error(ec, fmt::format("connecting to {}: not a numeric address", to_string(to)));
        auto s = std::make_unique<loop_socket>(co_await asio::this_coro::executor, to_string(to));
        co_await on_socket(ctx, *s, s->socket.async_connect({address, to.port}, redirect(ec)), ec, "connecting to");
        s->socket.set_option(asio::ip::tcp::no_delay(true), ec);  // requests are one small write
        // read_ready must not block the loop's one thread; Asio's own operations do not mind.
        s->socket.non_blocking(true, ec);
        if (ec) throw io_error(ec, fmt::format("connecting to {}: a non-blocking socket", to_string(to)));
        co_return connection(std::move(s));
    }
    awaitable<std::size_t> write_some(context& ctx, connection& c, std::string_view data) override {
        auto& s = static_cast<loop_socket&>(c.state());
        std::error_code ec;
        co_return co_await on_socket(ctx, s, s.socket.async_write_some(asio::buffer(data), redirect(ec)), ec,
                                     "writing to");
    }
    awaitable<std::size_t> read_some(context& ctx, connection& c, std::span<char> into) override {
        auto& s = static_cast<loop_socket&>(c.state());
        std::error_code ec;
        const auto n = co_await on_socket(ctx, s, s.socket.async_read_some(asio::buffer(into.data(), into.size()), redirect(ec)), ec,
                                          "reading from");
        co_return n;
    }
    awaitable<void> wait_readable(context& ctx, connection& c) override {
        auto& s = static_cast<loop_socket&>(c.state());
        std::error_code ec;
        co_await on_socket(ctx, s, s.socket.async_wait(asio::ip::tcp::socket::wait_read, redirect(ec)), ec,
                           "waiting to read from");
    }
    std::optional<std::size_t> read_ready(context&, connection& c, std::span<char> into) override {
        auto& s = static_cast<loop_socket&>(c.state());
        std::error_code ec;
        const auto n = s.socket.read_some(asio::buffer(into.data(), into.size()), ec);  // non-blocking: see connect
        if (ec == asio::error::would_block || ec == asio::error::try_again) return std::nullopt;
        if (ec == asio::error::eof) return 0;
        if (ec) throw io_error(ec, fmt::format("reading from {}", s.peer));
        return n;
    }

    std::int64_t cpu_now() noexcept override { return clock_.now(); }
    std::int64_t worker() noexcept override { return thread_; }

    /// Ends the wait of task `index`, if it waits: it resumes and finds why it was stopped.
    void cancel_wait(const context& ctx) noexcept {
        auto& slot = waits_[ctx.index()];
        if (slot.timer) slot.timer->cancel();
        if (slot.lock) locks_.at(slot.lock)->cancel(&ctx);
        if (slot.socket) slot.socket->cancel();
    }

private:
    /// Awaits a socket operation the way a wait is awaited: cancel_wait can end it, and then the
    /// context says why; any other error is the network's. End of stream is a read of 0, not an
    /// error.
    template <class Result>
    awaitable<Result> on_socket(context& ctx, loop_socket& s, awaitable<Result> operation, std::error_code& ec,
                                std::string_view doing) {
        const socket_slot in_wait(waits_[ctx.index()], s.socket);
        auto result = co_await std::move(operation);
        if (ec == asio::error::eof) co_return Result{};
        if (ec) {
            ctx.throw_if_stopped();
            throw io_error(ec, fmt::format("{} {}", doing, s.peer));
        }
        co_return result;
    }
    awaitable<void> on_socket(context& ctx, loop_socket& s, awaitable<void> operation, std::error_code& ec,
                              std::string_view doing) {
        const socket_slot in_wait(waits_[ctx.index()], s.socket);
        co_await std::move(operation);
        if (ec) {
            ctx.throw_if_stopped();
            throw io_error(ec, fmt::format("{} {}", doing, s.peer));
        }
    }

    detail::async_mutex& lock_of(mutex& m) {
        auto& slot = locks_[&m];
        if (!slot) slot = std::make_unique<detail::async_mutex>();
        return *slot;
    }

    /// What task i waits on now, if anything.
    struct wait_slot {
        asio::steady_timer* timer = nullptr;
        mutex* lock = nullptr;
        asio::ip::tcp::socket* socket = nullptr;
    };
    /// Names the socket in the task's slot while an operation on it is under way, and clears
    /// it however the operation ends: cancel_wait must never find a socket that is gone.
    class socket_slot {
    public:
        socket_slot(wait_slot& slot, asio::ip::tcp::socket& socket) noexcept : slot_(slot) { slot_.socket = &socket; }
        ~socket_slot() { slot_.socket = nullptr; }
        socket_slot(const socket_slot&) = delete;
        socket_slot& operator=(const socket_slot&) = delete;

    private:
        wait_slot& slot_;
    };

    // Every task runs on this thread: one clock that watches the thread's switches meters them
    // all without a system call per suspension, and one id names the worker of every record.
    detail::cpu_clock clock_;
    std::int64_t thread_;
    std::vector<wait_slot> waits_;
    std::unordered_map<const mutex*, std::unique_ptr<detail::async_mutex>> locks_;
};

/// Ends the waits of tasks past their deadline and, once the run is stopped, of every task:
/// called on the loop at each heartbeat tick. (A sleep ends at the deadline by itself; a lock
/// wait does not.) Tasks start in index order on the one loop, so their deadlines come in index
/// order too, and a cursor visits each task once.
class wait_canceller {
public:
    wait_canceller(const std::vector<std::optional<context>>& contexts, loop_driver& driver, const run_state& run)
        : contexts_(contexts), driver_(driver), run_(run) {}

    void operator()(std::int64_t now) {
        if (!stopped_ && run_.stop.stop_requested()) {
            stopped_ = true;
            for (const auto& ctx : contexts_)
                if (ctx) driver_.cancel_wait(*ctx);
        }
        if (run_.timeout_ns == 0) return;
        for (; next_ < contexts_.size(); ++next_) {
            const auto& ctx = contexts_[next_];
            if (!ctx || ctx->deadline_ns() == 0 || ctx->deadline_ns() > now) break;  // not begun, or not due
            driver_.cancel_wait(*ctx);
        }
    }

private:
    const std::vector<std::optional<context>>& contexts_;
    loop_driver& driver_;
    const run_state& run_;
    std::size_t next_ = 0;
    bool stopped_ = false;
};

}  // namespace

void coroutine_backend::execute(run_state& run) const {
    // A task's frame refers to its context and to the driver until it ends: both are declared
    // before the loop, whose destruction would destroy a frame still suspended in it.
    std::vector<std::optional<context>> contexts(run.records.size());
    loop_driver driver(run.records.size());
    wait_canceller canceller(contexts, driver, run);

    asio::io_context io(1);
    // The heartbeat shares the tasks' loop: a task that never yields freezes it - and the
    // deadlines and stop requests it delivers wait too, as they would in any event loop. The
    // last task to end stops it, so that the run ends with its last task, not at the next tick.
    asio::steady_timer ticker(io);
    run.when_all_done = [&ticker] { ticker.cancel(); };
    asio::co_spawn(io, detail::loop_ticker(run, ticker, std::ref(canceller)), [](std::exception_ptr) {
        // Only a failed timer ends the ticker early: the run goes on, and the report has
        // fewer ticks - which it shows.
    });
    // The tasks are spawned from inside the loop, each running until it first suspends before
    // the next is spawned: the order they would start in anyway.
    asio::post(io, [&] {
        for (auto& record : run.records) {
            auto& ctx = contexts[record.index].emplace(run, record.index, driver, run.stop.get_token());
            spawn_task(io.get_executor(), ctx);
        }
    });
    io.run();
}

}  // namespace tasklab
