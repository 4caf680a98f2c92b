#pragma once
// The heartbeat: a 1 ms ticker beside the tasks whose lateness shows whether the tasks let
// the rest of the program run - the lesson's frozen window, as a number.
#include <cstdint>
#include <vector>

#include "tasklab/report.hpp"

namespace tasklab {

inline constexpr std::int64_t heartbeat_period_ns = 1'000'000;

/// When each tick was due and when it ran.
class heartbeat_recorder {
public:
    explicit heartbeat_recorder(std::int64_t start_ns) : due_(start_ns + heartbeat_period_ns) {}

    std::int64_t next_due() const noexcept { return due_; }
    /// The tick due at next_due() ran at `now_ns`. The next one is due at the first period
    /// boundary after now, so a long freeze shows as one large lag, not a burst of catch-ups.
    void tick(std::int64_t now_ns);
    /// When the tick after one due at `due` and run at `now_ns` is due (what tick() moves
    /// next_due() to), for a caller that takes ticks first and hands them over later.
    static std::int64_t due_after(std::int64_t due, std::int64_t now_ns) noexcept {
        const std::int64_t missed = now_ns > due ? (now_ns - due) / heartbeat_period_ns : 0;
        return due + (missed + 1) * heartbeat_period_ns;
    }
    heartbeat_stats summary() const;

private:
    std::int64_t due_;
    std::vector<std::int64_t> lags_;
};

}  // namespace tasklab
