#include "tasklab/clock.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>

namespace tasklab {
namespace {
double seconds(const timeval& tv) noexcept { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }
double cpu_of(int who) noexcept {
    rusage usage{};
    if (::getrusage(who, &usage) != 0) return 0;
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}
}  // namespace

std::int64_t monotonic_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

cpu_times process_cpu_times() noexcept { return {cpu_of(RUSAGE_SELF), cpu_of(RUSAGE_CHILDREN)}; }

std::int64_t current_thread_id() noexcept { return static_cast<std::int64_t>(::syscall(SYS_gettid)); }

}  // namespace tasklab
