#pragma once
// What one bench probe runs: the same tiny task bodies for tasklab (as scenarios run by the
// public backends) and for the raw baselines (written without tasklab), so that the two sides
// of every ratio do the same work. Internal to `tasklab bench`.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tasklab/scenario.hpp"

namespace tasklab::bench {

/// The task bodies the bench measures.
enum class work {
    empty,    // return a value at once
    sleep,    // wait the shortest positive time (1 ns): a real timer or timed wait, not a no-op
    yields,   // K scheduling points
    compute,  // a part of 1..n summed: the CPU-bound split over the cores
};
std::string_view to_string(work w) noexcept;

/// One probe's tasks: how many, what each does, and how long a waiting task waits.
struct work_spec {
    work kind = work::empty;
    std::size_t tasks = 1;
    std::int64_t wait_ns = 1;         // work::sleep
    std::size_t yields = 10;          // work::yields
    std::int64_t compute_n = 0;       // work::compute: 1..n split into `tasks` parts
};

/// The scenario tasklab runs for `spec`: the bench's own workload (not a registered task
/// type), time scale 1 so that simulated seconds are real ones.
scenario make_scenario(const work_spec& spec);

/// What task `index` of `spec` returns when it succeeds (both sides check it).
std::int64_t expected_value(const work_spec& spec, std::size_t index) noexcept;

}  // namespace tasklab::bench
