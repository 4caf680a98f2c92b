#include "backends/heartbeat.hpp"

#include <asio/error.hpp>
#include <asio/use_awaitable.hpp>

#include <system_error>

#include "tasklab/clock.hpp"

namespace tasklab::detail {

asio::awaitable<void> loop_ticker(run_state& run, asio::steady_timer& timer,
                                  std::function<void(std::int64_t)> on_tick) {
    while (!run.all_done()) {
        // steady_clock is CLOCK_MONOTONIC, the clock of every other measurement here.
        timer.expires_at(clock::time_point(std::chrono::nanoseconds(run.heartbeat.next_due())));
        try {
            co_await timer.async_wait(asio::use_awaitable);
        } catch (const std::system_error& e) {
            if (e.code() != asio::error::operation_aborted) throw;
            // Cancelled: the last task is done. A tick that fell due meanwhile (a task that
            // froze the loop past it) is still taken below: its lag is the point. One not yet
            // due is not waited for.
            if (monotonic_ns() < run.heartbeat.next_due()) continue;
        }
        const auto now = monotonic_ns();
        run.tick(now);
        if (on_tick) on_tick(now);
    }
}

}  // namespace tasklab::detail
