#include "backends/contexts.hpp"

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tasklab/clock.hpp"
#include "tasklab/errors.hpp"

namespace tasklab::detail {
namespace {

void throw_if_stopped(const context& ctx) {
    if (ctx.stop_requested()) throw task_cancelled{};
}

}  // namespace

// --- blocking_context -------------------------------------------------------------------

awaitable<void> blocking_context::yield() {
    std::this_thread::yield();
    co_return;
}

awaitable<void> blocking_context::wait_for(std::chrono::nanoseconds real) {
    throw_if_stopped(*this);
    if (real.count() > 0) {
        // A condition variable rather than this_thread::sleep_for, so that a stop request
        // ends the wait at once instead of after it.
        std::mutex m;
        std::condition_variable_any cv;
        std::unique_lock lock(m);
        cv.wait_for(lock, stop_token(), real, [] { return false; });
    }
    throw_if_stopped(*this);
    co_return;
}

awaitable<lock_guard> blocking_context::lock(mutex& m) {
    const bool owner_died = m.lock();
    co_return lock_guard(*this, m, owner_died);
}

void blocking_context::unlock(mutex& m) noexcept { m.unlock(); }

// --- timer_context -----------------------------------------------------------------------

awaitable<void> timer_context::yield() {
    co_await asio::post(executor_, asio::use_awaitable);
    throw_if_stopped(*this);
}

awaitable<void> timer_context::wait_for(std::chrono::nanoseconds real) {
    throw_if_stopped(*this);
    if (real.count() > 0) {
        asio::steady_timer timer(executor_, real);
        co_await timer.async_wait(asio::use_awaitable);
    }
    throw_if_stopped(*this);
}

// --- loop_context ------------------------------------------------------------------------

async_mutex& async_lock_table::of(mutex& m, const asio::any_io_executor& ex) {
    auto& slot = table_[&m];
    if (!slot) slot = std::make_unique<async_mutex>(ex);
    return *slot;
}

void async_lock_table::unlock(mutex& m) noexcept {
    // Only a lock_guard made by `of` unlocks, so the entry exists; find never allocates.
    if (const auto it = table_.find(&m); it != table_.end()) it->second->unlock();
}

awaitable<lock_guard> loop_context::lock(mutex& m) {
    auto& am = locks_.of(m, executor());
    if (!am.try_lock()) co_await am.async_lock(asio::use_awaitable);
    co_return lock_guard(*this, m, false);
}

void loop_context::unlock(mutex& m) noexcept { locks_.unlock(m); }

// --- child_context -----------------------------------------------------------------------

awaitable<lock_guard> child_context::lock(mutex& m) {
    const bool owner_died = m.lock();
    co_return lock_guard(*this, m, owner_died);
}

void child_context::unlock(mutex& m) noexcept { m.unlock(); }

// --- spawn_recorded ----------------------------------------------------------------------

namespace {

void fail(task_record& record, std::string message) {
    record.status = task_status::failed;
    record.error = std::move(message);
}

awaitable<void> run_recorded(const workload& work, context& ctx, task_record& record, std::int64_t origin_ns) {
    record.started = true;
    record.worker = current_thread_id();
    record.start_ns = monotonic_ns() - origin_ns;
    try {
        const task_result result = co_await work.run(ctx);
        record.value = result.value;
        record.status = task_status::ok;
    } catch (const task_cancelled&) {
        record.status = task_status::cancelled;
        record.error = "cancelled";
    } catch (const std::exception& e) {
        fail(record, e.what());
    } catch (...) {
        fail(record, "unknown exception");
    }
    record.end_ns = monotonic_ns() - origin_ns;
}

}  // namespace

void fail_outside_task(task_record& record, std::int64_t origin_ns) noexcept {
    // Status first and no allocation: this runs when something is already wrong, quite
    // possibly memory.
    record.status = task_status::failed;
    try {
        record.error = "could not run the task (out of memory?)";
    } catch (...) {
    }
    const auto now = monotonic_ns() - origin_ns;
    if (!record.started) record.start_ns = now;
    record.end_ns = std::max(record.end_ns, now);
}

void spawn_recorded(asio::io_context& io, const workload& work, context& ctx, task_record& record,
                    std::int64_t origin_ns) noexcept {
    // run_recorded turns whatever the task throws into the record; what remains is a failure
    // to make or resume its frame. Either way the record says failed, and nothing escapes to
    // io_context::run, so every backend's teardown stays the ordinary one.
    try {
        asio::co_spawn(io, run_recorded(work, ctx, record, origin_ns), [&record, origin_ns](std::exception_ptr e) noexcept {
            if (e) fail_outside_task(record, origin_ns);
        });
    } catch (...) {
        fail_outside_task(record, origin_ns);
    }
}

}  // namespace tasklab::detail
