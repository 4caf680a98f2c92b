#pragma once
// Where the heartbeat ticks: on the tasks' own loop (coroutine), on a thread of its own
// (sequential, thread); the fork parent ticks in its poll loop (fork.cpp).
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <thread>

#include "tasklab/backend.hpp"

namespace tasklab::detail {

/// Ticks on its own thread from construction until destruction.
class ticker_thread {
public:
    explicit ticker_thread(run_state& run);
    ~ticker_thread();
    ticker_thread(const ticker_thread&) = delete;
    ticker_thread& operator=(const ticker_thread&) = delete;

private:
    std::jthread thread_;
};

/// Ticks on the loop that runs the tasks, until every task is done; `on_tick(now)`, if
/// given, runs after each tick, on the loop. Cancelling `timer` (the caller's, on the same
/// loop) once the last task is done ends it at once rather than at its next tick.
asio::awaitable<void> loop_ticker(run_state& run, asio::steady_timer& timer,
                                  std::function<void(std::int64_t)> on_tick = {});

}  // namespace tasklab::detail
