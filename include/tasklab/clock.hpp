#pragma once
// One monotonic clock for every measurement (DESIGN: "Time: one monotonic clock").
// CLOCK_MONOTONIC is system-wide, so a fork child's timestamps compare with the parent's.
#include <chrono>
#include <cstdint>

namespace tasklab {

using clock = std::chrono::steady_clock;

/// Nanoseconds on the monotonic clock; comparable across processes of this machine.
std::int64_t monotonic_ns() noexcept;
/// Blocks the calling thread until monotonic_ns() reaches `until_ns`, through signals.
void sleep_until_ns(std::int64_t until_ns) noexcept;

/// CPU time and context switches of this process and of its reaped children, so far.
struct cpu_times {
    double self_s = 0;
    double children_s = 0;
    std::int64_t voluntary_switches = 0;
    std::int64_t involuntary_switches = 0;
    double total() const noexcept { return self_s + children_s; }
};
cpu_times process_cpu_times() noexcept;

/// CPU time of the calling thread, in nanoseconds.
std::int64_t thread_cpu_ns() noexcept;

/// Starts a new peak for peak_rss_kib() (Linux /proc/self/clear_refs); false if it cannot,
/// and the peak is then the process lifetime's.
bool reset_peak_rss() noexcept;
/// This process's peak resident set size in KiB (VmHWM), or -1.
std::int64_t peak_rss_kib() noexcept;
/// This process's resident set size now in KiB (VmRSS), or -1.
std::int64_t current_rss_kib() noexcept;

/// Id of the calling OS thread (gettid), the worker id of in-process records.
std::int64_t current_thread_id() noexcept;

/// The 1-minute load average (/proc/loadavg), or -1: how busy the machine was, others included.
double load_average() noexcept;

/// The machine's load around a measurement, and whether other programs shared its cores.
struct machine_load {
    double before = -1;  // 1-minute load average when the measurement began, and ended
    double after = -1;
    unsigned cores = 1;  // the cores this process may use
    /// The load before is other programs' alone; the one after also holds the measurement's
    /// own, at most one per core.
    bool busy() const noexcept { return before >= 0.5 || after >= static_cast<double>(cores) + 0.5; }
};

}  // namespace tasklab
