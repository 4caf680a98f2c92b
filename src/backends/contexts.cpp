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
        const waiting w(*this, wait_kind::sleep);
        std::mutex m;
        std::condition_variable_any cv;
        std::unique_lock lock(m);
        cv.wait_for(lock, stop_token(), real, [] { return false; });
    }
    throw_if_stopped(*this);
    co_return;
}

awaitable<lock_guard> blocking_context::lock(mutex& m) {
    const bool owner_died = lock_blocking(m);
    co_return lock_guard(*this, m, owner_died);
}

void blocking_context::unlock(mutex& m) noexcept { m.unlock(); }

// --- timer_context -----------------------------------------------------------------------

awaitable<void> timer_context::yield() {
    if (shared_loop_) {
        const waiting w(*this, wait_kind::interleaved);
        co_await asio::post(executor_, asio::use_awaitable);
    } else {
        co_await asio::post(executor_, asio::use_awaitable);
    }
    throw_if_stopped(*this);
}

awaitable<void> timer_context::wait_for(std::chrono::nanoseconds real) {
    throw_if_stopped(*this);
    if (real.count() > 0) {
        const waiting w(*this, wait_kind::sleep);
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
    if (!am.try_lock()) {
        const waiting w(*this, wait_kind::lock);
        co_await am.async_lock(asio::use_awaitable);
    }
    co_return lock_guard(*this, m, false);
}

void loop_context::unlock(mutex& m) noexcept { locks_.unlock(m); }

// --- child_context -----------------------------------------------------------------------

awaitable<lock_guard> child_context::lock(mutex& m) {
    const bool owner_died = lock_blocking(m);
    co_return lock_guard(*this, m, owner_died);
}

void child_context::unlock(mutex& m) noexcept { m.unlock(); }

// --- metering -----------------------------------------------------------------------------

void task_meter::start(context& ctx, task_record& record, std::int64_t origin_ns, bool record_waits) noexcept {
    ctx.record_ = &record;
    ctx.origin_ns_ = origin_ns;
    ctx.record_waits_ = record_waits;
    record.cpu_ns = 0;
    ctx.cpu_mark_ = thread_cpu_ns();
}

void task_meter::stop(context& ctx) noexcept {
    if (!ctx.record_) return;
    ctx.record_->cpu_ns += thread_cpu_ns() - ctx.cpu_mark_;
    ctx.record_ = nullptr;
}

// --- spawn_recorded ----------------------------------------------------------------------

namespace {

void fail(task_record& record, const char* message) noexcept {
    record.status = task_status::failed;
    try {
        record.error = message;
    } catch (...) {  // out of memory: the status still says it
    }
}

awaitable<void> run_recorded(const workload& work, context& ctx, run_state& run) {
    auto& record = run.records[ctx.index()];
    record.started = true;
    record.worker = current_thread_id();
    record.start_ns = monotonic_ns() - run.origin_ns;
    task_meter::start(ctx, record, run.origin_ns, run.options.record_waits);
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
    task_meter::stop(ctx);
    record.end_ns = monotonic_ns() - run.origin_ns;
    run.task_done();
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

void spawn_recorded(asio::io_context& io, context& ctx, run_state& run) noexcept {
    // run_recorded turns whatever the task throws into the record; what remains is a failure
    // to make or resume its frame. Either way the record says failed, and nothing escapes to
    // io_context::run, so every backend's teardown stays the ordinary one.
    auto& record = run.records[ctx.index()];
    const auto failed = [&record, &run]() noexcept {
        // Once started, run_recorded cannot throw before it counts the task done itself.
        const bool counted = record.started;
        fail_outside_task(record, run.origin_ns);
        if (!counted) run.task_done();
    };
    try {
        asio::co_spawn(io, run_recorded(*run.s.work, ctx, run), [failed](std::exception_ptr e) noexcept {
            if (e) failed();
        });
    } catch (...) {
        failed();
    }
}

}  // namespace tasklab::detail
