#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <string>
#include <vector>

#include "backends/async_mutex.hpp"

using tasklab::detail::async_mutex;

TEST_CASE("async_mutex: waiters suspend, are served in order, and the loop keeps running", "[async_mutex][coroutine]") {
    asio::io_context io(1);
    async_mutex m;
    std::vector<std::string> log;
    int ticks_while_held = 0;
    bool held = false;

    auto locker = [&](std::string name) -> asio::awaitable<void> {
        if (!m.try_lock()) co_await m.async_lock(asio::use_awaitable);
        log.push_back(name + " in");
        held = true;
        asio::steady_timer t(io, std::chrono::milliseconds(5));
        co_await t.async_wait(asio::use_awaitable);
        held = false;
        log.push_back(name + " out");
        m.unlock();
    };
    auto ticker = [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 10; ++i) {
            asio::steady_timer t(io, std::chrono::milliseconds(1));
            co_await t.async_wait(asio::use_awaitable);
            if (held) ++ticks_while_held;
        }
    };
    std::exception_ptr failure;
    auto done = [&](std::exception_ptr e) {
        if (e) failure = e;
    };
    for (auto name : {"a", "b", "c"}) asio::co_spawn(io, locker(name), done);
    asio::co_spawn(io, ticker(), done);
    io.run();

    REQUIRE_FALSE(failure);
    CHECK(log == std::vector<std::string>{"a in", "a out", "b in", "b out", "c in", "c out"});
    CHECK(ticks_while_held > 0);  // the holder's wait did not stop the loop
    CHECK(m.try_lock());          // released at the end
}
