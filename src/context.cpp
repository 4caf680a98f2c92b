#include "tasklab/context.hpp"

#include <cmath>
#include <utility>

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

std::chrono::nanoseconds context::to_real(sim_seconds simulated) const noexcept {
    const double ns = simulated.count() * time_scale_ * 1e9;
    if (!(ns > 0)) return std::chrono::nanoseconds{0};  // also catches NaN
    constexpr double longest = 1e18;                     // ~31 years: keeps the cast defined
    if (ns > longest) return std::chrono::nanoseconds{static_cast<std::int64_t>(longest)};
    return std::chrono::nanoseconds{static_cast<std::int64_t>(std::llround(ns))};
}

}  // namespace tasklab
