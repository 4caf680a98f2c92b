#include "tasklab/heartbeat.hpp"

#include <algorithm>

namespace tasklab {

void heartbeat_recorder::tick(std::int64_t now_ns) {
    lags_.push_back(std::max<std::int64_t>(0, now_ns - due_));
    due_ = due_after(due_, now_ns);
}

heartbeat_stats heartbeat_recorder::summary() const {
    heartbeat_stats s;
    s.ticks = lags_.size();
    if (lags_.empty()) return s;
    auto sorted = lags_;
    std::sort(sorted.begin(), sorted.end());
    s.max_lag_ns = sorted.back();
    // Nearest rank: the smallest lag that at least 99% of the ticks did not exceed.
    const std::size_t rank = std::max<std::size_t>(1, (sorted.size() * 99 + 99) / 100);
    s.p99_lag_ns = sorted[std::min(rank, sorted.size()) - 1];
    return s;
}

}  // namespace tasklab
