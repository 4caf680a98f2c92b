#include "tasklab/context.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <utility>

#include "tasklab/clock.hpp"
#include "format/cells.hpp"
#include "tasklab/errors.hpp"

namespace tasklab {

lock_guard::lock_guard(lock_guard&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)), mutex_(other.mutex_), owner_died_(other.owner_died_) {}

lock_guard& lock_guard::operator=(lock_guard&& other) noexcept {
    if (this != &other) {
        unlock();
        ctx_ = std::exchange(other.ctx_, nullptr);
        mutex_ = other.mutex_;
        owner_died_ = other.owner_died_;
    }
    return *this;
}

void lock_guard::mark_consistent() {
    if (owner_died_ && ctx_) mutex_->make_consistent();
    owner_died_ = false;
}

void lock_guard::unlock() noexcept {
    if (auto* ctx = std::exchange(ctx_, nullptr)) {
        if (std::exchange(owner_died_, false)) {
            try {
                mutex_->make_consistent();
            } catch (...) {  // it stays inconsistent: the next owner is told the owner died
            }
        }
        ctx->unlock(*mutex_);
    }
}

namespace {
// Yields closer together than this are one `interleaved` span: the task ran in short slices
// between other tasks' slices, and a span per slice would say no more, only longer.
constexpr std::int64_t interleave_gap_ns = 1'000'000;
}  // namespace

void context::wait_begins(wait_kind kind) noexcept {
    // A fault asked for: the process dies here - at a sleep or a yield, not while queuing for a
    // lock, so a task that holds a lock dies holding it.
    if (crash_signal_ != 0 && kind != wait_kind::lock) ::raise(crash_signal_);
    if (!record_) return;
    record_->cpu_ns += thread_cpu_ns() - cpu_mark_;
    if (!run_->record_waits) return;  // every suspension passes here: read no clock nobody asked for
    wait_start_ = monotonic_ns() - run_->origin_ns;
    waiting_for_ = kind;
}

void context::wait_ends() noexcept {
    if (!record_) return;
    cpu_mark_ = thread_cpu_ns();
    if (!run_->record_waits) return;
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

bool context::past_deadline() const noexcept { return deadline_ns_ != 0 && monotonic_ns() >= deadline_ns_; }

void context::throw_if_stopped() const {
    if (past_deadline() || (stop_requested() && stopped_for_timeout()))
        throw task_cancelled(fmt::format("timed out after {} (--timeout)",
                                         format::detail::seconds(static_cast<double>(run_->timeout_ns) / 1e9)));
    if (stop_requested()) throw task_cancelled("the run was stopped");
}

bool context::lock_blocking(mutex& m) {
    if (const auto owner_died = m.try_lock()) return *owner_died;
    const waiting w(*this, wait_kind::lock);
    // In slices, so that a stop request or the deadline ends the wait: a pthread lock wait
    // cannot be interrupted any other way.
    constexpr std::int64_t slice_ns = 10'000'000;
    while (true) {
        throw_if_stopped();
        std::int64_t wait = slice_ns;
        if (deadline_ns_ != 0) wait = std::min(wait, deadline_ns_ - monotonic_ns());
        if (const auto owner_died = m.try_lock_for(wait)) return *owner_died;
    }
}


std::chrono::nanoseconds context::to_real(sim_seconds simulated) const noexcept {
    const double ns = simulated.count() * run_->time_scale * 1e9;
    if (!(ns > 0)) return std::chrono::nanoseconds{0};  // also catches NaN
    constexpr double longest = 1e18;                     // ~31 years: keeps the cast defined
    if (ns > longest) return std::chrono::nanoseconds{static_cast<std::int64_t>(longest)};
    // Rounded by hand, as std::llround does (half away from zero): llround is a call into
    // libm, one more library page for a fork child to fault in before its first sleep.
    auto whole = static_cast<std::int64_t>(ns);
    if (ns - static_cast<double>(whole) >= 0.5) ++whole;
    return std::chrono::nanoseconds{whole};
}

}  // namespace tasklab
