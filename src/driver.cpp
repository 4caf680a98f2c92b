#include "tasklab/driver.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace tasklab {
namespace {

/// Blocks the calling thread until `until_ns`, or until `stop` is requested.
void block_until(const std::stop_token& stop, std::int64_t until_ns) {
    if (!stop.stop_possible()) {
        // Nothing can end this wait early (a fork child is stopped by its parent's signals).
        sleep_until_ns(until_ns);
        return;
    }
    // A condition variable and a stop callback rather than a sleep, so that a stop ends the
    // wait at once. The callback is declared last, so it is destroyed first: its destructor
    // waits for a callback already running, which still uses the mutex and the variable.
    std::mutex m;
    std::condition_variable cv;
    bool stopped = false;
    const std::stop_callback wake(stop, [&] {
        {
            const std::lock_guard lock(m);
            stopped = true;
        }
        cv.notify_one();
    });
    std::unique_lock lock(m);
    cv.wait_until(lock, clock::time_point(std::chrono::nanoseconds(until_ns)), [&] { return stopped; });
}

}  // namespace

awaitable<void> blocking_driver::wait_until(context& ctx, std::int64_t until_ns) {
    block_until(ctx.stop_token(), until_ns);
    co_return;
}

awaitable<void> blocking_driver::yield(context&) {
    std::this_thread::yield();
    co_return;
}

std::optional<bool> blocking_driver::try_lock(context&, mutex& m) { return m.try_lock(); }

awaitable<bool> blocking_driver::lock(context& ctx, mutex& m) {
    // In slices, so that a stop or the deadline ends the wait: a pthread lock wait cannot be
    // interrupted any other way.
    constexpr std::int64_t slice_ns = 10'000'000;
    while (true) {
        ctx.throw_if_stopped();
        std::int64_t wait = slice_ns;
        if (ctx.deadline_ns() != 0) wait = std::min(wait, ctx.deadline_ns() - monotonic_ns());
        if (const auto owner_died = m.try_lock_for(wait)) co_return *owner_died;
    }
}

void blocking_driver::unlock(context&, mutex& m) noexcept { m.unlock(); }

}  // namespace tasklab
