// Raw baselines of the coroutine backend: one io_context run by this thread, its tasks as
// plain completion handlers or as asio::awaitable coroutines, written as Asio's own examples
// would write them.
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <vector>

#include "bench/raw.hpp"
#include "tasklab/clock.hpp"
#include "tasklab/tasks/compute.hpp"

namespace tasklab::bench {
namespace {

/// A task of K yields as a handler: each call but the last posts itself again.
struct yielder {
    asio::io_context* io;
    std::size_t left;
    std::int64_t* out;
    void operator()() {
        if (left == 0) {
            *out = 1;
            return;
        }
        --left;
        asio::post(*io, *this);
    }
};

asio::awaitable<void> empty_awaitable(std::int64_t& out) {
    out = 1;
    co_return;
}

asio::awaitable<void> sleep_awaitable(std::int64_t& out, std::chrono::nanoseconds wait) {
    asio::steady_timer timer(co_await asio::this_coro::executor, wait);
    co_await timer.async_wait(asio::use_awaitable);
    out = 1;
}

asio::awaitable<void> yield_awaitable(std::int64_t& out, std::size_t yields) {
    const auto ex = co_await asio::this_coro::executor;
    for (std::size_t k = 0; k < yields; ++k) co_await asio::post(ex, asio::use_awaitable);
    out = 1;
}

asio::awaitable<void> compute_awaitable(std::int64_t& out, tasklab::sum_range part) {
    out = add_one_by_one(part.first, part.last);
    co_return;
}

sample finish(const work_spec& spec, const std::vector<std::int64_t>& results, std::int64_t wall_ns,
              const memory_window& memory) {
    sample s;
    s.wall_ns = wall_ns;
    memory.finish(s, spec.tasks);
    s.started = spec.tasks;
    for (std::size_t i = 0; i < spec.tasks; ++i) s.failed += results[i] != expected_value(spec, i);
    return s;
}

}  // namespace

sample raw_callbacks(const work_spec& spec) {
    std::vector<std::int64_t> results(spec.tasks, 0);
    const memory_window memory;
    const auto t0 = monotonic_ns();
    {
        asio::io_context io(1);
        std::vector<asio::steady_timer> timers;  // after io: destroyed before it
        if (spec.kind == work::sleep) timers.reserve(spec.tasks);
        for (std::size_t i = 0; i < spec.tasks; ++i) {
            auto* out = &results[i];
            switch (spec.kind) {
                case work::empty: asio::post(io, [out] { *out = 1; }); break;
                case work::sleep: {
                    auto& timer = timers.emplace_back(io, std::chrono::nanoseconds(spec.wait_ns));
                    timer.async_wait([out](const std::error_code& ec) {
                        if (!ec) *out = 1;
                    });
                    break;
                }
                case work::yields: asio::post(io, yielder{&io, spec.yields, out}); break;
                case work::compute: {
                    const auto part = part_of(spec.compute_n, spec.tasks, i);
                    asio::post(io, [out, part] { *out = add_one_by_one(part.first, part.last); });
                    break;
                }
            }
        }
        io.run();
    }
    return finish(spec, results, monotonic_ns() - t0, memory);
}

sample raw_awaitables(const work_spec& spec) {
    std::vector<std::int64_t> results(spec.tasks, 0);
    // Not Asio's `detached` token, which would swallow a task's exception: the first one is kept and
    // reported (the task's value stays 0, so it counts as failed either way).
    std::exception_ptr first_failure;
    const auto keep_failure = [&first_failure](std::exception_ptr e) noexcept {
        if (e && !first_failure) first_failure = std::move(e);
    };
    const memory_window memory;
    const auto t0 = monotonic_ns();
    {
        asio::io_context io(1);
        for (std::size_t i = 0; i < spec.tasks; ++i) {
            auto& out = results[i];
            switch (spec.kind) {
                case work::empty: asio::co_spawn(io, empty_awaitable(out), keep_failure); break;
                case work::sleep:
                    asio::co_spawn(io, sleep_awaitable(out, std::chrono::nanoseconds(spec.wait_ns)), keep_failure);
                    break;
                case work::yields: asio::co_spawn(io, yield_awaitable(out, spec.yields), keep_failure); break;
                case work::compute:
                    asio::co_spawn(io, compute_awaitable(out, part_of(spec.compute_n, spec.tasks, i)), keep_failure);
                    break;
            }
        }
        io.run();
    }
    auto s = finish(spec, results, monotonic_ns() - t0, memory);
    if (first_failure && s.error.empty()) {
        try {
            std::rethrow_exception(first_failure);
        } catch (const std::exception& e) {
            s.error = e.what();
        } catch (...) {
            s.error = "unknown exception";
        }
    }
    return s;
}

}  // namespace tasklab::bench
