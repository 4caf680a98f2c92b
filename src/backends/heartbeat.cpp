#include "backends/heartbeat.hpp"

#include <asio/error.hpp>
#include <asio/use_awaitable.hpp>

#include <condition_variable>
#include <mutex>
#include <system_error>

#include "tasklab/clock.hpp"

namespace tasklab::detail {

ticker_thread::ticker_thread(run_state& run)
    : thread_([&run](std::stop_token stop) {
          // A condition variable with the stop token, not clock_nanosleep: the run's end wakes
          // it at once, instead of costing every run up to a tick more.
          std::mutex m;
          std::condition_variable_any cv;
          std::unique_lock lock(m);
          while (!stop.stop_requested()) {
              const std::int64_t due = run.heartbeat.next_due();
              cv.wait_until(lock, stop, clock::time_point(std::chrono::nanoseconds(due)), [] { return false; });
              // Stopped before the tick was due: no tick. A tick already due is taken, late
              // as it is: its lag is what the heartbeat is for.
              const auto now = monotonic_ns();
              if (stop.stop_requested() && now < due) break;
              run.tick(now);
          }
      }) {}

ticker_thread::~ticker_thread() {
    thread_.request_stop();
    thread_.join();
}

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
