#include "backends/contexts.hpp"

#include <asio/associated_cancellation_slot.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "tasklab/clock.hpp"
#include "tasklab/errors.hpp"

namespace tasklab::detail {
namespace {

bool aborted(const std::system_error& e) noexcept { return e.code() == asio::error::operation_aborted; }

}  // namespace

// --- cpu_clock ---------------------------------------------------------------------------

namespace {

// The anchor is renewed at least this often, so that the two clocks cannot drift apart.
constexpr std::int64_t anchor_lifetime_ns = 1'000'000;

struct watched_event {
    int fd = -1;
    void* page = nullptr;
};

watched_event watch_this_thread() noexcept {
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_DUMMY;  // counts nothing, samples nothing: only the page matters
    attr.exclude_kernel = 1;            // what perf_event_paranoid 2 allows
    attr.exclude_hv = 1;
    const long fd = ::syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) return {};
    void* page = ::mmap(nullptr, static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)), PROT_READ, MAP_SHARED,
                        static_cast<int>(fd), 0);
    if (page == MAP_FAILED) {
        ::close(static_cast<int>(fd));
        return {};
    }
    return {static_cast<int>(fd), page};
}

void unwatch(int fd, const void* page) noexcept {
    if (page) ::munmap(const_cast<void*>(page), static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)));
    if (fd >= 0) ::close(fd);
}

std::uint32_t sequence_of(const perf_event_mmap_page* page) noexcept {
    return __atomic_load_n(&page->lock, __ATOMIC_ACQUIRE);
}

/// Whether this kernel bumps the page's seqlock when it schedules the thread back in: checked
/// once per process, by a sleep that must switch the thread out.
bool kernel_marks_switches(const perf_event_mmap_page* page) noexcept {
    static const bool marks = [page] {
        const auto before = sequence_of(page);
        const timespec nap{0, 1};
        ::nanosleep(&nap, nullptr);
        return sequence_of(page) != before;
    }();
    return marks;
}

}  // namespace

cpu_clock cpu_clock::watching_this_thread() noexcept {
    cpu_clock clock;
    const auto event = watch_this_thread();
    if (!event.page) return clock;
    const auto* page = static_cast<const perf_event_mmap_page*>(event.page);
    if (!kernel_marks_switches(page)) {
        unwatch(event.fd, page);
        return clock;
    }
    clock.fd_ = event.fd;
    clock.page_ = page;
    clock.anchor();
    return clock;
}

cpu_clock::~cpu_clock() { unwatch(fd_, page_); }

cpu_clock::cpu_clock(cpu_clock&& other) noexcept
    : page_(std::exchange(other.page_, nullptr)), fd_(std::exchange(other.fd_, -1)), sequence_(other.sequence_),
      cpu_anchor_(other.cpu_anchor_), mono_anchor_(other.mono_anchor_) {}

std::uint32_t cpu_clock::sequence() const noexcept { return sequence_of(page_); }

void cpu_clock::anchor() noexcept {
    // A kernel reading of the CPU clock with the monotonic time it was taken at: between two
    // monotonic readings, with the seqlock unchanged around all three (no switch in between).
    // The middle of the two is the CPU reading's time to within half the call.
    for (int attempt = 0;; ++attempt) {
        const auto seq = sequence();
        const auto before = monotonic_ns();
        const auto cpu = thread_cpu_ns();
        const auto after = monotonic_ns();
        const bool unswitched = (seq & 1) == 0 && sequence() == seq;
        if ((unswitched && after - before < 20'000) || attempt == 8) {
            // After eight tries the reading stands; a switch it missed forces a new anchor next time.
            sequence_ = unswitched ? seq : seq - 2;
            cpu_anchor_ = cpu;
            mono_anchor_ = before + (after - before) / 2;
            return;
        }
    }
}

std::int64_t cpu_clock::now(std::int64_t mono_now) noexcept {
    if (!page_) return thread_cpu_ns();
    const auto since = mono_now - mono_anchor_;
    if (sequence() == sequence_ && since >= 0 && since < anchor_lifetime_ns) return cpu_anchor_ + since;
    anchor();
    return cpu_anchor_ + std::max<std::int64_t>(0, monotonic_ns() - mono_anchor_);
}

std::int64_t cpu_clock::now() noexcept { return page_ ? now(monotonic_ns()) : thread_cpu_ns(); }

// --- blocking_context -------------------------------------------------------------------

namespace {

/// Brackets a wait that blocks the task's own thread, which runs nothing else meanwhile: its
/// CPU clock stands still while it is blocked, so the task's CPU time needs no reading here
/// (the kernel's own work to block and wake it counts as the task's). Only recorded spans
/// need the bracket, and get it from context::wait_begins/wait_ends.
class blocked {
public:
    blocked(context& ctx, wait_kind kind) noexcept : ctx_(ctx) { task_meter::blocking_wait_begins(ctx_, kind); }
    ~blocked() { task_meter::blocking_wait_ends(ctx_); }
    blocked(const blocked&) = delete;
    blocked& operator=(const blocked&) = delete;

private:
    context& ctx_;
};

/// The wait of a task that has its thread to itself: blocks the thread, and wakes early on a
/// stop request or at the task's deadline.
awaitable<void> block_for(context& ctx, std::chrono::nanoseconds real) {
    ctx.throw_if_stopped();
    if (real.count() > 0) {
        // A condition variable rather than this_thread::sleep_for, so that a stop request
        // ends the wait at once instead of after it; the deadline ends it too.
        const blocked w(ctx, wait_kind::sleep);
        std::int64_t until = monotonic_ns() + real.count();
        if (ctx.deadline_ns() != 0) until = std::min(until, ctx.deadline_ns());
        if (ctx.stop_token().stop_possible()) {
            // A plain condition variable and a stop callback: condition_variable_any would
            // allocate a shared mutex for every wait. The callback is declared last, so it is
            // destroyed first, and its destructor waits for a callback already running.
            std::mutex m;
            std::condition_variable cv;
            bool stopped = false;
            const std::stop_callback wake(ctx.stop_token(), [&] {
                {
                    const std::lock_guard lock(m);
                    stopped = true;
                }
                cv.notify_one();
            });
            std::unique_lock lock(m);
            cv.wait_until(lock, clock::time_point(std::chrono::nanoseconds(until)), [&] { return stopped; });
        } else {
            // Nothing can stop this wait early (a fork child is stopped by its parent's
            // signals): a plain sleep, with no condition variable to allocate.
            sleep_until_ns(until);
        }
    }
    ctx.throw_if_stopped();
    co_return;
}

}  // namespace

awaitable<void> blocking_context::yield() {
    std::this_thread::yield();
    throw_if_stopped();
    co_return;
}

awaitable<void> blocking_context::wait_for(std::chrono::nanoseconds real) { return block_for(*this, real); }

awaitable<lock_guard> blocking_context::lock(mutex& m) {
    const bool owner_died = lock_blocking(m);
    co_return lock_guard(*this, m, owner_died);
}

void blocking_context::unlock(mutex& m) noexcept { m.unlock(); }

// --- timer_context -----------------------------------------------------------------------

pending_wait& timer_pool::take() {
    if (!free_) return waits_.emplace_back(executor_);
    auto& w = *free_;
    free_ = w.next_free;
    w.ctx = nullptr;
    return w;
}

namespace {

// A task whose wait is zero does not suspend: the co_await completes at once.
awaitable<void> no_wait() { co_return; }

/// How a wait on the loop ends, as what the task resumes with: task_cancelled saying why if
/// the run was stopped or the deadline passed (a cancelled timer or lock wait says only
/// operation_aborted), the wait's own error, or nothing.
std::exception_ptr wait_outcome(const context& ctx, const std::error_code& ec) noexcept {
    if (ctx.stop_requested() || ctx.deadline_ns() != 0) {
        try {
            ctx.throw_if_stopped();
        } catch (...) {
            return std::current_exception();
        }
    }
    if (ec && ec != asio::error::operation_aborted) return std::make_exception_ptr(std::system_error(ec));
    return nullptr;
}

}  // namespace

awaitable<void> timer_context::yield() {
    // No frame of its own: the awaitable completes when the posted handler runs, after every
    // handler queued before it.
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
        [this](auto handler) {
            if (loop_.shared) task_meter::wait_begins(*this, wait_kind::interleaved, loop_.clock);
            asio::post(loop_.executor(), [this, handler = std::move(handler)]() mutable {
                if (loop_.shared) task_meter::wait_ends(*this, loop_.clock);
                std::move(handler)(wait_outcome(*this, {}));
            });
        },
        asio::use_awaitable);
}

awaitable<void> timer_context::wait_for(std::chrono::nanoseconds real) {
    throw_if_stopped();
    if (real.count() <= 0) return no_wait();
    // No frame of its own either: a pooled timer, and the task's handler in its wait. (An
    // awaitable dropped without co_await leaves its timer unused until the run's end.)
    auto& wait = loop_.timers->take();
    wait.ctx = this;
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr)>(
        [&wait, real](auto handler) {
            auto& ctx = *wait.ctx;
            // The wait begins, then the timer starts: a wait is never shorter than its sleep.
            task_meter::wait_begins(ctx, wait_kind::sleep, ctx.loop().clock);
            wait.timer.expires_after(real);
            if (const auto deadline = clock::time_point(std::chrono::nanoseconds(ctx.deadline_ns()));
                ctx.deadline_ns() != 0 && deadline < wait.timer.expiry())
                wait.timer.expires_at(deadline);
            ctx.timer_wait_ = &wait;  // for cancel_wait
            // The task's cancellation slot reaches the timer, as it would with use_awaitable.
            auto slot = asio::get_associated_cancellation_slot(handler);
            wait.timer.async_wait(asio::bind_cancellation_slot(
                slot, [&wait, handler = std::move(handler)](const std::error_code& ec) mutable {
                    auto& ctx = *wait.ctx;
                    ctx.timer_wait_ = nullptr;
                    ctx.loop().timers->give_back(wait);
                    task_meter::wait_ends(ctx, ctx.loop().clock);
                    std::move(handler)(wait_outcome(ctx, ec));
                }));
        },
        asio::use_awaitable);
}

void timer_context::cancel_wait() noexcept {
    if (timer_wait_) timer_wait_->timer.cancel();
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

namespace {

/// context::waiting with the loop's clock: brackets a wait that suspends the task.
class loop_wait {
public:
    loop_wait(timer_context& ctx, wait_kind kind) noexcept : ctx_(ctx) {
        task_meter::wait_begins(ctx_, kind, ctx_.loop().clock);
    }
    ~loop_wait() { task_meter::wait_ends(ctx_, ctx_.loop().clock); }
    loop_wait(const loop_wait&) = delete;
    loop_wait& operator=(const loop_wait&) = delete;

private:
    timer_context& ctx_;
};

}  // namespace

awaitable<lock_guard> loop_context::lock(mutex& m) {
    throw_if_stopped();
    auto& am = loop().locks.of(m, loop().executor());
    if (!am.try_lock()) {
        const loop_wait w(*this, wait_kind::lock);
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
    if (lock_wait_) loop().locks.cancel(*lock_wait_, this);
}

void loop_context::unlock(mutex& m) noexcept { loop().locks.unlock(m); }

// --- child_context -----------------------------------------------------------------------

awaitable<lock_guard> child_context::lock(mutex& m) {
    const bool owner_died = lock_blocking(m);
    co_return lock_guard(*this, m, owner_died);
}

awaitable<void> child_context::wait_for(std::chrono::nanoseconds real) { return block_for(*this, real); }

void child_context::unlock(mutex& m) noexcept { m.unlock(); }

// --- metering -----------------------------------------------------------------------------

bool task_meter::plain(const context& ctx, const cpu_clock* clock) noexcept {
    return !clock || ctx.run_->record_waits || ctx.crash_signal_ != 0;
}

void task_meter::start(context& ctx, task_record& record, cpu_clock* clock, std::int64_t mono_now) noexcept {
    const auto& run = *ctx.run_;
    ctx.record_ = &record;
    ctx.deadline_ns_ = run.timeout_ns > 0 ? run.origin_ns + record.start_ns + run.timeout_ns : 0;
    record.cpu_ns = 0;
    ctx.cpu_mark_ = plain(ctx, clock) ? thread_cpu_ns() : clock->now(mono_now);
}

void task_meter::stop(context& ctx, cpu_clock* clock) noexcept {
    if (!ctx.record_) return;
    ctx.record_->cpu_ns += (plain(ctx, clock) ? thread_cpu_ns() : clock->now()) - ctx.cpu_mark_;
    ctx.record_ = nullptr;
}

void task_meter::wait_begins(context& ctx, wait_kind kind, cpu_clock* clock) noexcept {
    if (plain(ctx, clock)) {
        ctx.wait_begins(kind);
        return;
    }
    if (ctx.record_) ctx.record_->cpu_ns += clock->now() - ctx.cpu_mark_;
}

void task_meter::wait_ends(context& ctx, cpu_clock* clock) noexcept {
    if (plain(ctx, clock)) {
        ctx.wait_ends();
        return;
    }
    if (ctx.record_) ctx.cpu_mark_ = clock->now();
}

void task_meter::blocking_wait_begins(context& ctx, wait_kind kind) noexcept {
    if (ctx.run_->record_waits || ctx.crash_signal_ != 0) ctx.wait_begins(kind);
}

void task_meter::blocking_wait_ends(context& ctx) noexcept {
    if (ctx.run_->record_waits || ctx.crash_signal_ != 0) ctx.wait_ends();
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

/// What a task threw, as its record says it: cancelled (with why), or failed with the message.
void record_exception(task_record& record, std::exception_ptr e) noexcept {
    try {
        std::rethrow_exception(std::move(e));
    } catch (const task_cancelled& x) {
        record.status = task_status::cancelled;
        try {
            record.error = x.what();
        } catch (...) {
        }
    } catch (const std::exception& x) {
        fail(record, x.what());
    } catch (...) {
        fail(record, "unknown exception");
    }
}

task_record& record_of(const context& ctx, const task_site& site) noexcept {
    return site.own_record ? *site.own_record : site.run->records[ctx.index()];
}

/// The start and the end of a task's record, around the task: outside run_recorded, because
/// g++ keeps every local variable of a coroutine in its frame, suspension or not.
void task_begins(context& ctx, const task_site& site) noexcept {
    auto& record = record_of(ctx, site);
    record.started = true;
    record.worker = site.worker >= 0 ? site.worker : current_thread_id();
    const auto started = monotonic_ns();
    record.start_ns = started - site.run->origin_ns;
    task_meter::start(ctx, record, site.clock, started);
}

void task_ends(context& ctx, const task_site& site) noexcept {
    auto& run = *site.run;
    task_meter::stop(ctx, site.clock);
    record_of(ctx, site).end_ns = monotonic_ns() - run.origin_ns;
    run.task_done();
    if (site.after_last && run.all_done()) site.after_last();
}

void task_returned(context& ctx, const task_site& site, task_result result) noexcept {
    auto& record = record_of(ctx, site);
    record.value = result.value;
    record.status = task_status::ok;
}

/// The task as co_spawn runs it: its record's start, the task's coroutine, its result or what
/// it threw, its end, and the count of tasks done. The end is taken here, not in co_spawn's
/// completion handler: Asio 1.22 posts that handler when the task never suspended, so it may
/// run after other tasks. The frame holds the two parameters and what Asio's promise needs:
/// no local variable (each would take frame space in every waiting task).
awaitable<void> run_recorded(context& ctx, const task_site& site) {
    task_begins(ctx, site);
    try {
        task_returned(ctx, site, co_await site.run->s.work->run(ctx));
    } catch (...) {
        // One handler, the mapping outside: the frame keeps nothing for it.
        record_exception(record_of(ctx, site), std::current_exception());
    }
    task_ends(ctx, site);
}

/// co_spawn's completion handler: run_recorded turns whatever the task throws into the
/// record, so an exception here means its frame could not be made or resumed.
struct spawn_failed {
    task_record* record;
    const task_site* site;
    void operator()(std::exception_ptr e) const noexcept {
        if (!e) return;
        // Once started, run_recorded cannot throw before it counts the task done itself.
        const bool counted = record->started;
        fail_outside_task(*record, site->run->origin_ns);
        if (counted) return;
        site->run->task_done();
        if (site->after_last && site->run->all_done()) site->after_last();
    }
};

/// run_alone's task, as co_spawn calls it inside the loop: the record begins, then the
/// task's coroutine is made.
struct alone_start {
    context* ctx;
    const task_site* site;
    awaitable<task_result> operator()() const {
        task_begins(*ctx, *site);
        return site->run->s.work->run(*ctx);
    }
};

/// run_alone's completion handler: the task's result or what it threw, then its end.
struct alone_end {
    context* ctx;
    const task_site* site;
    void operator()(std::exception_ptr e, task_result result) const noexcept {
        auto& record = record_of(*ctx, *site);
        if (!record.started) {
            // alone_start never ran, so co_spawn's entry failed before it and `e` says why
            // (the handler gets no exception only after the task returned).
            spawn_failed{&record, site}(std::move(e));
            return;
        }
        if (e)
            record_exception(record, std::move(e));
        else
            task_returned(*ctx, *site, result);
        task_ends(*ctx, *site);
    }
};

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

void spawn_recorded(asio::io_context& io, context& ctx, const task_site& site) noexcept {
    // run_recorded turns whatever the task throws into the record; what remains is a failure
    // to make or resume its frame. Either way the record says failed, and nothing escapes to
    // io_context::run, so every backend's teardown stays the ordinary one. The handler is
    // bound to the loop's own executor type, which keeps co_spawn's frame small.
    auto& record = record_of(ctx, site);
    try {
        asio::co_spawn(io, run_recorded(ctx, site),
                       asio::bind_executor(io.get_executor(), spawn_failed{&record, &site}));
    } catch (...) {
        spawn_failed{&record, &site}(std::current_exception());
    }
}

void run_alone(asio::io_context& io, context& ctx, const task_site& site) noexcept {
    auto& record = record_of(ctx, site);
    try {
        asio::co_spawn(io, alone_start{&ctx, &site}, asio::bind_executor(io.get_executor(), alone_end{&ctx, &site}));
    } catch (...) {
        spawn_failed{&record, &site}(std::current_exception());
        return;
    }
    try {
        io.run();
    } catch (...) {
        // Handing alone_end to the loop allocates, and if that fails the exception leaves
        // io.run() after the task has begun and before it was ended and counted.
        if (!task_meter::running(ctx)) return;
        fail_outside_task(record, site.run->origin_ns);
        task_ends(ctx, site);
    }
}

}  // namespace tasklab::detail
