#pragma once
// A thread's CPU time, read cheaply enough to meter every suspension of a coroutine.
#include <cstdint>

struct perf_event_mmap_page;

namespace tasklab::detail {

/// The calling thread's CPU time, for the task meter. Used only on the thread that made it.
///
/// The plain clock asks the kernel at every reading (clock_gettime(CLOCK_THREAD_CPUTIME_ID), a
/// system call: 1-5 us on a paravirtualised machine, more than a whole raw Asio task). The
/// watching clock, for a loop thread that meters many short slices, asks the kernel only after
/// the thread was switched out: a perf event on the thread (PERF_COUNT_SW_DUMMY, no samples)
/// maps a page whose seqlock the kernel bumps each time it schedules the thread back in. While
/// the seqlock is unchanged since the last kernel reading (the anchor), the thread has been on
/// its CPU throughout, so its CPU time has advanced exactly as the monotonic clock has: the
/// reading is the anchor plus the monotonic time since it, with no system call. The anchor is
/// renewed after every switch and at least every millisecond. Where perf_event_open is refused
/// (perf_event_paranoid 3, a seccomp filter) the watching clock is the plain one.
class cpu_clock {
public:
    /// The plain clock.
    cpu_clock() noexcept = default;
    /// A watching clock for the calling thread, or the plain clock if the thread cannot be watched.
    static cpu_clock watching_this_thread() noexcept;
    ~cpu_clock();
    cpu_clock(cpu_clock&& other) noexcept;
    cpu_clock& operator=(cpu_clock&&) = delete;
    cpu_clock(const cpu_clock&) = delete;
    cpu_clock& operator=(const cpu_clock&) = delete;

    /// Whether readings cost no system call (between switches).
    bool watching() const noexcept { return page_ != nullptr; }
    /// The thread's CPU time now, in nanoseconds; `mono_now` is CLOCK_MONOTONIC just read.
    std::int64_t now(std::int64_t mono_now) noexcept;
    /// The same, reading the monotonic clock itself if it needs it.
    std::int64_t now() noexcept;

private:
    std::uint32_t sequence() const noexcept;
    void anchor() noexcept;

    const perf_event_mmap_page* page_ = nullptr;
    int fd_ = -1;
    std::uint32_t sequence_ = 0;
    std::int64_t cpu_anchor_ = 0;
    std::int64_t mono_anchor_ = 0;
};

}  // namespace tasklab::detail
