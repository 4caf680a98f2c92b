#include "tasklab/context.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <memory>
#include <span>
#include <stdexcept>
#include <thread>
#include <utility>

#include "tasklab/backend.hpp"
#include "tasklab/clock.hpp"
#include "tasklab/driver.hpp"
#include "tasklab/errors.hpp"
#include "tasklab/task.hpp"
#include "tasklab/text.hpp"

namespace tasklab {
namespace {

/// The signal a fault plan makes task `index` die of at its first wait, or 0.
int crash_signal_of(const run_state& run, std::uint32_t index) noexcept {
    const auto& faults = run.s.settings.faults;
    const bool listed = std::find(faults.crash.begin(), faults.crash.end(), index) != faults.crash.end();
    return listed ? faults.crash_signal : 0;
}

// Yields closer together than this are one `interleaved` span: the task ran in short slices
// between other tasks' slices, and a span per slice would say no more, only longer.
constexpr std::int64_t interleave_gap_ns = 1'000'000;

void set_error(task_record& record, const char* text) noexcept {
    try {
        record.error = text;
    } catch (...) {  // out of memory: the status still says it
    }
}

}  // namespace

// --- held_lock -----------------------------------------------------------------------------

held_lock::held_lock(held_lock&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)), mutex_(other.mutex_), owner_died_(std::exchange(other.owner_died_, false)) {}

held_lock::~held_lock() {
    if (!ctx_) return;
    if (owner_died_) {
        try {
            mutex_->make_consistent();
        } catch (...) {  // it stays inconsistent: the next owner is told the owner died
        }
    }
    ctx_->release(*mutex_);
}

void held_lock::make_consistent() {
    if (owner_died_ && ctx_) mutex_->make_consistent();
    owner_died_ = false;
}

// --- what a task sees --------------------------------------------------------------------

context::context(run_state& run, std::uint32_t index, driver& d, std::stop_token stop) noexcept
    : run_(&run), driver_(&d), stop_(std::move(stop)), index_(index), crash_signal_(crash_signal_of(run, index)) {}

task_identity context::identity() const noexcept { return {index_, run_->records.size(), run_->s.settings.seed}; }

void* context::shared_memory() const noexcept { return run_->shared_state; }

double context::time_scale() const noexcept { return run_->s.settings.time_scale; }

std::chrono::nanoseconds context::to_real(sim_seconds simulated) const noexcept {
    const double ns = simulated.count() * time_scale() * 1e9;
    if (!(ns > 0)) return std::chrono::nanoseconds{0};  // also catches NaN
    constexpr double longest = 1e18;                     // ~31 years: keeps the conversion defined
    return std::chrono::nanoseconds{ns > longest ? static_cast<std::int64_t>(longest) : std::llround(ns)};
}

bool context::past_deadline() const noexcept { return deadline_ns_ != 0 && monotonic_ns() >= deadline_ns_; }

void context::throw_if_stopped() const {
    // A stop of this task alone while the run goes on is its deadline too: the thread
    // backend's watch stops a task's thread that way once its timeout has passed.
    const bool own_stop = stop_requested() && !run_->stop.stop_requested() && run_->timeout_ns > 0;
    if (past_deadline() || own_stop)
        throw task_cancelled(fmt::format("timed out after {}, its timeout",
                                         duration_text(static_cast<double>(run_->timeout_ns) / 1e9)));
    if (stop_requested()) throw task_cancelled("the run was stopped");
}

/// Brackets one driver call that may wait (see wait_begins), also when it throws.
class context::metered_wait {
public:
    metered_wait(context& ctx, wait_kind kind) noexcept : ctx_(ctx) { ctx_.wait_begins(kind); }
    ~metered_wait() { ctx_.wait_ends(); }
    metered_wait(const metered_wait&) = delete;
    metered_wait& operator=(const metered_wait&) = delete;

private:
    context& ctx_;
};

awaitable<void> context::sleep_for(sim_seconds simulated) {
    // A fault asked for: the process dies here - at a sleep or a yield, never while queuing
    // for a lock, so a task that holds a lock dies holding it.
    if (crash_signal_ != 0) std::raise(crash_signal_);
    throw_if_stopped();
    if (const auto real = to_real(simulated); real.count() > 0) {
        // The meter first: a task held up while it reads the clock is already waiting, so its
        // wait span lasts at least the sleep (unless the deadline cuts it).
        const metered_wait waiting(*this, wait_kind::sleep);
        std::int64_t until = monotonic_ns() + real.count();
        if (deadline_ns_ != 0) until = std::min(until, deadline_ns_);
        co_await driver_->wait_until(*this, until);
    }
    throw_if_stopped();
}

void context::block_for(sim_seconds simulated) {
    if (crash_signal_ != 0) std::raise(crash_signal_);
    throw_if_stopped();
    if (const auto real = to_real(simulated); real.count() > 0) {
        const metered_wait blocked(*this, wait_kind::blocked);
        std::this_thread::sleep_for(real);
    }
    throw_if_stopped();
}

// --- sockets ---------------------------------------------------------------------------------

namespace {
/// A closed (or moved-from) connection has no socket to hand the driver.
void require_open(const connection& c) {
    if (!c.is_open())
        throw io_error(std::make_error_code(std::errc::not_connected), "using a connection that is closed");
}
}  // namespace

awaitable<connection> context::connect(const endpoint& to) {
    if (crash_signal_ != 0) std::raise(crash_signal_);
    throw_if_stopped();
    connection c;
    {
        const metered_wait waiting(*this, wait_kind::io);
        c = co_await driver_->connect(*this, to);
    }
    co_return c;
}

awaitable<void> context::write_all(connection& c, std::string_view data) {
    if (crash_signal_ != 0) std::raise(crash_signal_);
    require_open(c);
    while (!data.empty()) {
        throw_if_stopped();
        const metered_wait waiting(*this, wait_kind::io);
        data.remove_prefix(co_await driver_->write_some(*this, c, data));
    }
}

awaitable<std::size_t> context::read_some(connection& c, std::span<char> into) {
    if (crash_signal_ != 0) std::raise(crash_signal_);
    require_open(c);
    throw_if_stopped();
    const metered_wait waiting(*this, wait_kind::io);
    co_return co_await driver_->read_some(*this, c, into);
}

namespace {
/// The buffer read_arrived reads into: one per thread, made at its first read, so that a task
/// waiting for a socket holds none. 16 KiB: a read takes what a socket usually has at once.
std::span<char> thread_read_buffer() {
    constexpr std::size_t size = 16 * 1024;
    thread_local std::unique_ptr<char[]> buffer;
    if (!buffer) buffer = std::make_unique_for_overwrite<char[]>(size);
    return {buffer.get(), size};
}
}  // namespace

awaitable<std::span<const char>> context::receive(connection& c, std::size_t max) {
    if (crash_signal_ != 0) std::raise(crash_signal_);
    require_open(c);
    // A read of nothing returns 0 bytes, which would read as the end of the stream.
    if (max == 0) throw std::invalid_argument("read_arrived: `max` must be at least 1 byte");
    while (true) {
        throw_if_stopped();
        // The buffer of the thread the task runs on now: after a wait it may be another one.
        const auto buffer = thread_read_buffer();
        const auto into = buffer.first(std::min(max, buffer.size()));
        if (const auto n = driver_->read_ready(*this, c, into)) co_return into.first(*n);
        const metered_wait waiting(*this, wait_kind::io);
        co_await driver_->wait_readable(*this, c);
    }
}

awaitable<std::size_t> context::read_until(connection& c, std::string& buffer, std::string_view delimiter,
                                           std::size_t max_bytes) {
    std::size_t searched = 0;  // the delimiter does not begin before here
    while (true) {
        if (const auto at = buffer.find(delimiter, searched); at != std::string::npos) co_return at + delimiter.size();
        searched = buffer.size() >= delimiter.size() ? buffer.size() - delimiter.size() + 1 : 0;
        if (buffer.size() >= max_bytes)
            throw io_error(std::make_error_code(std::errc::message_size),
                           fmt::format("no {:?} within the first {} bytes", delimiter, max_bytes));
        const auto arrived = co_await receive(c, max_bytes - buffer.size());
        if (arrived.empty())
            throw io_error(std::make_error_code(std::errc::connection_aborted),
                           fmt::format("the stream ended after {} bytes, before {:?}", buffer.size(), delimiter));
        buffer.append(arrived.data(), arrived.size());
    }
}

awaitable<void> context::read_exactly(connection& c, std::span<char> into) {
    std::size_t got = 0;
    while (got < into.size()) {
        const auto n = co_await read_some(c, into.subspan(got));
        if (n == 0)
            throw io_error(std::make_error_code(std::errc::connection_aborted),
                           fmt::format("the stream ended after {} of {} bytes", got, into.size()));
        got += n;
    }
}

awaitable<void> context::yield() {
    if (crash_signal_ != 0) std::raise(crash_signal_);
    throw_if_stopped();
    if (driver_->shares_thread()) {
        const metered_wait waiting(*this, wait_kind::interleaved);
        co_await driver_->yield(*this);
    } else {
        co_await driver_->yield(*this);  // a thread of its own: the task goes on at once
    }
    throw_if_stopped();
}

awaitable<held_lock> context::acquire(mutex& m) {
    throw_if_stopped();
    auto owner_died = driver_->try_lock(*this, m);
    if (!owner_died) {
        // Someone holds it: only now is this a wait (a free lock costs no wait span).
        const metered_wait waiting(*this, wait_kind::lock);
        owner_died = co_await driver_->lock(*this, m);
    }
    co_return held_lock(*this, m, *owner_died);
}

void context::release(mutex& m) noexcept { driver_->unlock(*this, m); }

// --- metering ------------------------------------------------------------------------------

void context::wait_begins(wait_kind kind) noexcept {
    if (!record_) return;
    record_->cpu_ns += driver_->cpu_now() - cpu_mark_;
    if (!run_->options.record_waits) return;  // every suspension passes here: read no clock nobody asked for
    wait_start_ = monotonic_ns() - run_->origin_ns;
    waiting_for_ = kind;
}

void context::wait_ends() noexcept {
    if (!record_) return;
    cpu_mark_ = driver_->cpu_now();
    if (!run_->options.record_waits) return;
    const std::int64_t now = monotonic_ns() - run_->origin_ns;
    auto& waits = record_->waits;
    if (waiting_for_ == wait_kind::interleaved && !waits.empty() && waits.back().kind == wait_kind::interleaved &&
        wait_start_ - waits.back().end_ns < interleave_gap_ns) {
        waits.back().end_ns = now;
        return;
    }
    if (waits.size() >= max_wait_spans) {
        record_->waits_truncated = true;
        return;
    }
    try {
        waits.push_back({wait_start_, now, waiting_for_});
    } catch (...) {
        record_->waits_truncated = true;  // out of memory: the span is lost, and the record says so
    }
}

// --- a task's life -------------------------------------------------------------------------

void context::begins() noexcept {
    auto& record = run_->records[index_];
    record_ = &record;
    record.started = true;
    record.worker = driver_->worker();
    const auto now = monotonic_ns();
    record.start_ns = now - run_->origin_ns;
    deadline_ns_ = run_->timeout_ns > 0 ? now + run_->timeout_ns : 0;
    record.cpu_ns = 0;
    cpu_mark_ = driver_->cpu_now();
}

void context::returned(const task_result& result) noexcept {
    record_->value = result.value;
    record_->status = task_status::ok;
}

void context::threw(std::exception_ptr e) noexcept {
    auto& record = *record_;
    try {
        std::rethrow_exception(std::move(e));
    } catch (const task_cancelled& x) {
        record.status = task_status::cancelled;
        set_error(record, x.what());
    } catch (const std::exception& x) {
        record.status = task_status::failed;
        set_error(record, x.what());
    } catch (...) {
        record.status = task_status::failed;
        set_error(record, "unknown exception");
    }
}

void context::ends() noexcept {
    auto& record = *record_;
    record.cpu_ns += driver_->cpu_now() - cpu_mark_;
    record.end_ns = monotonic_ns() - run_->origin_ns;
    record_ = nullptr;
    run_->task_done();
}

void context::could_not_run(std::exception_ptr) noexcept {
    auto& record = run_->records[index_];
    if (record.started && !record_) return;  // it ran to its end and was counted: nothing to add
    // The task's frame could not be made or resumed: something is already wrong, quite possibly
    // memory, so the status comes first and nothing here needs to allocate.
    record.status = task_status::failed;
    set_error(record, "could not run the task (out of memory?)");
    const auto now = monotonic_ns() - run_->origin_ns;
    if (!record.started) record.start_ns = now;
    record.end_ns = std::max(record.end_ns, now);
    record_ = nullptr;
    run_->task_done();
}

awaitable<void> context::run_recorded(context& ctx) {
    // The end is taken here, inside the task's coroutine, not in co_spawn's completion
    // handler: Asio posts that handler, so it may run after other tasks have run.
    ctx.begins();
    try {
        ctx.returned(co_await ctx.run_->s.work->run(ctx));
    } catch (...) {
        ctx.threw(std::current_exception());
    }
    ctx.ends();
}

// --- how a backend runs a task -------------------------------------------------------------

void spawn_task(const asio::any_io_executor& executor, context& ctx) noexcept {
    // run_recorded turns whatever the task throws into its record; what is left is a failure
    // to make or start its frame. Nothing escapes to io_context::run either way.
    try {
        asio::co_spawn(executor, context::run_recorded(ctx), [&ctx](std::exception_ptr e) {
            if (e) ctx.could_not_run(std::move(e));
        });
    } catch (...) {
        ctx.could_not_run(std::current_exception());
    }
}

void run_task(asio::io_context& loop, context& ctx) noexcept {
    spawn_task(loop.get_executor(), ctx);
    try {
        loop.run();
    } catch (...) {
        // Only posting a completion can throw in there (for lack of memory): the task, begun
        // or not, is still ended and counted.
        ctx.could_not_run(std::current_exception());
    }
}

void run_task_on_this_thread(run_state& run, std::uint32_t index, driver& driver, std::stop_token stop) noexcept {
    try {
        asio::io_context loop(1);
        context ctx(run, index, driver, std::move(stop));
        run_task(loop, ctx);
    } catch (...) {
        // Only making the loop can throw (run_task counts the task whatever happens); an escape
        // would end every other task too.
        run.not_started(index, "could not run the task (out of memory?)", task_status::failed);
    }
}

void run_one_after_another(run_state& run, driver& driver) {
    asio::io_context loop(1);
    for (auto& record : run.records) {
        if (run.poll_stop()) {
            run.not_started(record.index, "not started: the run was stopped first");
            continue;
        }
        context ctx(run, record.index, driver, run.stop.get_token());
        run_task(loop, ctx);
        loop.restart();
    }
}

}  // namespace tasklab
