#pragma once
// The heartbeat on the tasks' own loop (coroutine). Elsewhere it ticks on a thread of its own
// (heartbeat_thread in tasklab/backend.hpp: sequential, thread) or in the fork parent's poll loop.
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <cstdint>
#include <functional>

#include "tasklab/backend.hpp"

namespace tasklab::detail {

/// Ticks on the loop that runs the tasks, until every task is done; `on_tick(now)`, if
/// given, runs after each tick, on the loop. Cancelling `timer` (the caller's, on the same
/// loop) once the last task is done ends it at once rather than at its next tick.
asio::awaitable<void> loop_ticker(run_state& run, asio::steady_timer& timer,
                                  std::function<void(std::int64_t)> on_tick = {});

}  // namespace tasklab::detail
