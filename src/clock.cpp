#include "tasklab/clock.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <ctime>

namespace tasklab {
namespace {

std::int64_t read_clock(clockid_t id) noexcept {
    timespec ts{};
    ::clock_gettime(id, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double seconds(const timeval& tv) noexcept { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; }
rusage usage_of(int who) noexcept {
    rusage usage{};
    ::getrusage(who, &usage);
    return usage;
}
}  // namespace

std::int64_t monotonic_ns() noexcept { return read_clock(CLOCK_MONOTONIC); }

void sleep_until_ns(std::int64_t until_ns) noexcept {
    const timespec until{static_cast<time_t>(until_ns / 1'000'000'000), static_cast<long>(until_ns % 1'000'000'000)};
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
    }
}

cpu_times process_cpu_times() noexcept {
    const auto self = usage_of(RUSAGE_SELF);
    const auto children = usage_of(RUSAGE_CHILDREN);
    return {seconds(self.ru_utime) + seconds(self.ru_stime), seconds(children.ru_utime) + seconds(children.ru_stime),
            self.ru_nvcsw + children.ru_nvcsw, self.ru_nivcsw + children.ru_nivcsw};
}

std::int64_t thread_cpu_ns() noexcept { return read_clock(CLOCK_THREAD_CPUTIME_ID); }

bool reset_peak_rss() noexcept {
    // "5" resets the peak RSS (VmHWM) to the current RSS (Linux 4.0 and later).
    const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::write(fd, "5", 1) == 1;
    ::close(fd);
    return ok;
}

namespace {

/// One "Key: N kB" line of /proc/self/status, in KiB, or -1. `format` is e.g. "VmHWM: %" SCNd64 " kB".
std::int64_t status_kib(const char* format) noexcept {
    std::FILE* f = std::fopen("/proc/self/status", "re");
    if (!f) return -1;
    char line[256];
    std::int64_t kib = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, format, &kib) == 1) break;
    std::fclose(f);
    return kib;
}

}  // namespace

std::int64_t peak_rss_kib() noexcept { return status_kib("VmHWM: %" SCNd64 " kB"); }

std::int64_t current_rss_kib() noexcept { return status_kib("VmRSS: %" SCNd64 " kB"); }

std::int64_t current_thread_id() noexcept { return static_cast<std::int64_t>(::gettid()); }

}  // namespace tasklab

namespace tasklab {

double load_average() noexcept {
    std::FILE* f = std::fopen("/proc/loadavg", "re");
    if (!f) return -1;
    double one = -1;
    if (std::fscanf(f, "%lf", &one) != 1) one = -1;
    std::fclose(f);
    return one;
}

}  // namespace tasklab
