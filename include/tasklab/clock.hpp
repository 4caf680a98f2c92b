#pragma once
// One monotonic clock for every measurement (DESIGN: "Time: one monotonic clock").
// CLOCK_MONOTONIC is system-wide, so a fork child's timestamps compare with the parent's.
#include <chrono>
#include <cstdint>

namespace tasklab {

using clock = std::chrono::steady_clock;

/// Nanoseconds on the monotonic clock; comparable across processes of this machine.
std::int64_t monotonic_ns() noexcept;

/// User + system CPU time of this process and of its reaped children, in seconds.
struct cpu_times {
    double self_s = 0;
    double children_s = 0;
    double total() const noexcept { return self_s + children_s; }
};
cpu_times process_cpu_times() noexcept;

/// Id of the calling OS thread (gettid), the worker id of in-process records.
std::int64_t current_thread_id() noexcept;

}  // namespace tasklab
