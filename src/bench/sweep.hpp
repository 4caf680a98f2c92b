#pragma once
// `tasklab bench --scale`: tasks that all wait at once, N swept by decades, tasklab against
// the raw baseline at each N, until the sweep's largest size or the machine's ceiling.
#include <cstdint>
#include <string_view>

#include "bench/bench.hpp"

namespace tasklab::bench {

/// How long each of N waiting tasks waits, at least: 50 ms plus an allowance per task for
/// starting them all (2 us coroutine, 100 us thread, 300 us fork). The sweep and the bench wait
/// longer where this machine was measured slower (twice the cost per task seen so far), so that
/// the last task starts before the first one's wait is over and all N are in flight together.
std::int64_t waiting_wait_ns(std::string_view backend, std::size_t tasks) noexcept;

/// waiting_wait_ns, or 50 ms plus N times `per_task_ns` if that is longer.
std::int64_t waiting_wait_ns(std::string_view backend, std::size_t tasks, double per_task_ns) noexcept;

results run_scale(const options& o);

}  // namespace tasklab::bench
