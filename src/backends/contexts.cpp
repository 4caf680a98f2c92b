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

bool aborted(const std::system_error& e) noexcept { return e.code() == asio::error::operation_aborted; }

}  // namespace

// --- blocking_context -------------------------------------------------------------------

awaitable<void> blocking_context::yield() {
    std::this_thread::yield();
    throw_if_stopped();
    co_return;
}

awaitable<void> blocking_context::wait_for(std::chrono::nanoseconds real) {
    throw_if_stopped();
    if (real.count() > 0) {
        // A condition variable rather than this_thread::sleep_for, so that a stop request
        // ends the wait at once instead of after it; the deadline ends it too.
        const waiting w(*this, wait_kind::sleep);
        std::int64_t until = monotonic_ns() + real.count();
        if (deadline_ns() != 0) until = std::min(until, deadline_ns());
        std::mutex m;
        std::condition_variable_any cv;
        std::unique_lock lock(m);
        cv.wait_until(lock, stop_token(), clock::time_point(std::chrono::nanoseconds(until)), [] { return false; });
    }
    throw_if_stopped();
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
    throw_if_stopped();
}

awaitable<void> timer_context::wait_for(std::chrono::nanoseconds real) {
    throw_if_stopped();
    if (real.count() > 0) {
        const waiting w(*this, wait_kind::sleep);
        asio::steady_timer timer(executor_, real);
        if (deadline_ns() != 0 && clock::time_point(std::chrono::nanoseconds(deadline_ns())) < timer.expiry())
            timer.expires_at(clock::time_point(std::chrono::nanoseconds(deadline_ns())));
        timer_ = &timer;
        try {
            co_await timer.async_wait(asio::use_awaitable);
        } catch (const std::system_error& e) {
            timer_ = nullptr;
            if (!aborted(e)) throw;
        }
        timer_ = nullptr;
    }
    throw_if_stopped();
}

void timer_context::cancel_wait() noexcept {
    if (timer_) timer_->cancel();
}

bool timer_context::running() const noexcept { return task_meter::running(*this); }

// --- loop_context ------------------------------------------------------------------------

async_mutex& async_lock_table::of(mutex& m, const asio::any_io_executor& ex) {
    auto& slot = table_[&m];
    if (!slot) slot = std::make_unique<async_mutex>(ex);
    return *slot;
}

void async_lock_table::cancel(mutex& m, const void* waiter) noexcept {
    if (const auto it = table_.find(&m); it != table_.end()) it->second->cancel(waiter);
}

void async_lock_table::unlock(mutex& m) noexcept {
    // Only a lock_guard made by `of` unlocks, so the entry exists; find never allocates.
    if (const auto it = table_.find(&m); it != table_.end()) it->second->unlock();
}

awaitable<lock_guard> loop_context::lock(mutex& m) {
    throw_if_stopped();
    auto& am = locks_.of(m, executor());
    if (!am.try_lock()) {
        const waiting w(*this, wait_kind::lock);
        lock_wait_ = &m;
        try {
            co_await am.async_lock(asio::use_awaitable, this);
        } catch (const std::system_error& e) {
            lock_wait_ = nullptr;
            if (!aborted(e)) throw;
            throw_if_stopped();
            throw;  // cancelled for no reason we know: still not the owner
        }
        lock_wait_ = nullptr;
    }
    co_return lock_guard(*this, m, false);
}

void loop_context::cancel_wait() noexcept {
    timer_context::cancel_wait();
    if (lock_wait_) locks_.cancel(*lock_wait_, this);
}

void loop_context::unlock(mutex& m) noexcept { locks_.unlock(m); }

// --- child_context -----------------------------------------------------------------------

awaitable<lock_guard> child_context::lock(mutex& m) {
    const bool owner_died = lock_blocking(m);
    co_return lock_guard(*this, m, owner_died);
}

void child_context::unlock(mutex& m) noexcept { m.unlock(); }

// --- metering -----------------------------------------------------------------------------

void task_meter::start(context& ctx, task_record& record, std::int64_t origin_ns, bool record_waits,
                       std::int64_t timeout_ns) noexcept {
    ctx.record_ = &record;
    ctx.timeout_ns_ = timeout_ns;
    ctx.deadline_ns_ = timeout_ns > 0 ? origin_ns + record.start_ns + timeout_ns : 0;
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
    task_meter::start(ctx, record, run.origin_ns, run.options.record_waits, run.timeout_ns);
    try {
        const task_result result = co_await work.run(ctx);
        record.value = result.value;
        record.status = task_status::ok;
    } catch (const task_cancelled& e) {
        record.status = task_status::cancelled;
        record.error = e.what();
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

void not_started(task_record& record, std::string reason, run_state& run, task_status status) noexcept {
    record.status = status;
    record.started = false;
    record.error = std::move(reason);
    record.start_ns = record.end_ns = monotonic_ns() - run.origin_ns;
    run.task_done();
}

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
