#include "tasklab/context.hpp"

#include <cmath>
#include <utility>

#include "tasklab/clock.hpp"

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

void lock_guard::unlock() noexcept {
    if (auto* ctx = std::exchange(ctx_, nullptr)) ctx->unlock(*mutex_);
}

namespace {
// Yields closer together than this are one `interleaved` span: the task ran in short slices
// between other tasks' slices, and a span per slice would say no more, only longer.
constexpr std::int64_t interleave_gap_ns = 1'000'000;
}  // namespace

void context::wait_begins(wait_kind kind) noexcept {
    if (!record_) return;
    record_->cpu_ns += thread_cpu_ns() - cpu_mark_;
    if (!record_waits_) return;  // every suspension passes here: read no clock nobody asked for
    wait_start_ = monotonic_ns() - origin_ns_;
    waiting_for_ = kind;
}

void context::wait_ends() noexcept {
    if (!record_) return;
    cpu_mark_ = thread_cpu_ns();
    if (!record_waits_) return;
    const std::int64_t now = monotonic_ns() - origin_ns_;
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

bool context::lock_blocking(mutex& m) {
    if (const auto owner_died = m.try_lock()) return *owner_died;
    const waiting w(*this, wait_kind::lock);
    return m.lock();
}


std::chrono::nanoseconds context::to_real(sim_seconds simulated) const noexcept {
    const double ns = simulated.count() * time_scale_ * 1e9;
    if (!(ns > 0)) return std::chrono::nanoseconds{0};  // also catches NaN
    constexpr double longest = 1e18;                     // ~31 years: keeps the cast defined
    if (ns > longest) return std::chrono::nanoseconds{static_cast<std::int64_t>(longest)};
    return std::chrono::nanoseconds{static_cast<std::int64_t>(std::llround(ns))};
}

}  // namespace tasklab
