#include "backends/heartbeat.hpp"

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <time.h>

#include <cerrno>

#include "tasklab/clock.hpp"

namespace tasklab::detail {

ticker_thread::ticker_thread(run_state& run)
    : thread_([&run](std::stop_token stop) {
          while (!stop.stop_requested()) {
              const std::int64_t due = run.heartbeat.next_due();
              const timespec at{static_cast<time_t>(due / 1'000'000'000), static_cast<long>(due % 1'000'000'000)};
              while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
              }
              run.tick(monotonic_ns());
          }
      }) {}

ticker_thread::~ticker_thread() {
    thread_.request_stop();
    thread_.join();
}

asio::awaitable<void> loop_ticker(run_state& run, std::function<void(std::int64_t)> on_tick) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (!run.all_done()) {
        // steady_clock is CLOCK_MONOTONIC, the clock of every other measurement here.
        timer.expires_at(clock::time_point(std::chrono::nanoseconds(run.heartbeat.next_due())));
        co_await timer.async_wait(asio::use_awaitable);
        const auto now = monotonic_ns();
        run.tick(now);
        if (on_tick) on_tick(now);
    }
}

}  // namespace tasklab::detail
