#include "bench/measure.hpp"

#include <dirent.h>
#include <malloc.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <string_view>
#include <vector>

#include "tasklab/clock.hpp"

namespace tasklab::bench {

memory_window::memory_window() {
    ::malloc_trim(0);  // freed heap back to the system: an earlier batch's memory is not reused unseen
    peak_reset_ = reset_peak_rss();
    before_kib_ = current_rss_kib();
    cpu_before_s_ = process_cpu_times().total();
}

void memory_window::finish(sample& s, std::size_t tasks) const {
    s.cpu_s = process_cpu_times().total() - cpu_before_s_;
    if (!peak_reset_) return;
    s.peak_rss_kib = peak_rss_kib();
    if (before_kib_ < 0 || s.peak_rss_kib < 0 || tasks == 0) return;
    const auto grown = std::max<std::int64_t>(0, s.peak_rss_kib - before_kib_);
    s.memory_bytes_per_task = static_cast<double>(grown) * 1024.0 / static_cast<double>(tasks);
}

std::int64_t memory_available_bytes() noexcept {
    std::FILE* f = std::fopen("/proc/meminfo", "r");
    if (!f) return -1;
    char line[256];
    long long kib = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "MemAvailable: %lld kB", &kib) == 1) break;
    std::fclose(f);
    return kib < 0 ? -1 : static_cast<std::int64_t>(kib) * 1024;
}

namespace {

/// The watcher's loop: samples every 5 ms and answers the parent's requests until its pipe ends.
[[noreturn]] void watch_memory(int fd) noexcept {
    std::int64_t start = memory_available_bytes(), lowest = start;
    pollfd p{fd, POLLIN, 0};
    for (;;) {
        const int ready = ::poll(&p, 1, 5);
        if (ready < 0 && errno != EINTR) break;
        if (const auto now = memory_available_bytes(); now >= 0) lowest = std::min(lowest, now);
        if (ready <= 0) continue;
        char request = 0;
        if (::read(fd, &request, 1) != 1) break;  // the parent closed its end, or is gone
        if (request == 'r') {
            start = lowest = memory_available_bytes();
        } else {
            const std::int64_t fall = start < 0 || lowest < 0 ? -1 : std::max<std::int64_t>(0, start - lowest);
            if (::send(fd, &fall, sizeof fall, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof fall)) break;
        }
    }
    ::_exit(0);
}

/// Reads exactly n bytes, across interruptions; false at the end of the stream or an error.
bool read_all(int fd, void* into, std::size_t n) noexcept {
    auto* at = static_cast<char*>(into);
    while (n > 0) {
        const auto got = ::read(fd, at, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        at += got;
        n -= static_cast<std::size_t>(got);
    }
    return true;
}

}  // namespace

machine_memory_watch::machine_memory_watch() {
    if (memory_available_bytes() < 0) return;  // nothing to watch
    // A socket pair rather than pipes: a send to a watcher that died is an error (EPIPE with
    // MSG_NOSIGNAL), not a SIGPIPE that would end tasklab.
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return;
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::close(ends[0]);
        watch_memory(ends[1]);
    }
    ::close(ends[1]);
    if (pid < 0) {
        ::close(ends[0]);
        return;
    }
    pid_ = pid;
    fd_ = ends[0];
}

void machine_memory_watch::restart() {
    const char request = 'r';
    if (pid_ >= 0 && ::send(fd_, &request, 1, MSG_NOSIGNAL) != 1) stop();
}

std::int64_t machine_memory_watch::fall() {
    const char request = 'f';
    std::int64_t fall = -1;
    if (pid_ < 0) return -1;
    if (::send(fd_, &request, 1, MSG_NOSIGNAL) != 1 || !read_all(fd_, &fall, sizeof fall)) {
        stop();
        return -1;
    }
    return fall;
}

void machine_memory_watch::stop() noexcept {
    if (pid_ < 0) return;
    ::close(fd_);  // the watcher's read ends, and so does it
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
}

machine_memory_watch::~machine_memory_watch() { stop(); }

namespace {

std::size_t entries_in(const char* dir) noexcept {
    DIR* d = ::opendir(dir);
    if (!d) return 0;
    std::size_t n = 0;
    while (const dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') ++n;
    ::closedir(d);
    return n;
}

std::int64_t read_number(const std::string& path) {
    std::ifstream f(path);
    std::string text;
    if (!(f >> text)) return -1;
    if (text == "max") return std::numeric_limits<std::int64_t>::max();
    try {
        return std::stoll(text);
    } catch (...) {
        return -1;
    }
}

/// Threads in the whole system (the scheduling entities of /proc/loadavg).
std::int64_t system_threads() {
    std::ifstream f("/proc/loadavg");
    std::string a, b, c, entities;
    if (!(f >> a >> b >> c >> entities)) return -1;
    const auto slash = entities.find('/');
    if (slash == std::string::npos) return -1;
    try {
        return std::stoll(entities.substr(slash + 1));
    } catch (...) {
        return -1;
    }
}

/// Threads of every process whose real uid is `uid` (what RLIMIT_NPROC counts).
std::int64_t threads_of_user(uid_t uid) {
    DIR* proc = ::opendir("/proc");
    if (!proc) return -1;
    std::int64_t total = 0;
    while (const dirent* e = ::readdir(proc)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        std::ifstream status(fmt::format("/proc/{}/status", e->d_name));
        std::string line;
        long real_uid = -1, threads = 0;
        while (std::getline(status, line)) {
            if (line.rfind("Uid:", 0) == 0) real_uid = std::strtol(line.c_str() + 4, nullptr, 10);
            if (line.rfind("Threads:", 0) == 0) threads = std::strtol(line.c_str() + 8, nullptr, 10);
        }
        if (real_uid == static_cast<long>(uid)) total += threads;
    }
    ::closedir(proc);
    return total;
}

/// The pids controller's limit for this process's cgroup (v1 or v2), and its current count.
bool cgroup_pids(std::int64_t& max, std::int64_t& current) {
    std::ifstream f("/proc/self/cgroup");
    std::string line;
    while (std::getline(f, line)) {
        // "N:controllers:/path"; v2 has an empty controller list.
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        const std::string path = line.substr(second + 1);
        std::string dir;
        if (controllers == "pids")
            dir = "/sys/fs/cgroup/pids" + path;
        else if (controllers.empty())
            dir = "/sys/fs/cgroup" + path;
        else
            continue;
        max = read_number(dir + "/pids.max");
        current = read_number(dir + "/pids.current");
        if (max > 0 && current >= 0) return true;
    }
    return false;
}

}  // namespace

std::size_t thread_count() noexcept { return entries_in("/proc/self/task"); }

thread_ceiling find_thread_ceiling() {
    struct limit {
        std::string what;
        std::int64_t room;
    };
    std::vector<limit> limits;
    const auto in_system = system_threads();
    if (const auto threads_max = read_number("/proc/sys/kernel/threads-max"); threads_max > 0 && in_system >= 0)
        limits.push_back({fmt::format("threads-max {}, {} in use", threads_max, in_system), threads_max - in_system});
    if (const auto pid_max = read_number("/proc/sys/kernel/pid_max"); pid_max > 0 && in_system >= 0)
        limits.push_back({fmt::format("pid_max {}, {} in use", pid_max, in_system), pid_max - in_system});
    rlimit nproc{};
    if (::getrlimit(RLIMIT_NPROC, &nproc) == 0 && nproc.rlim_cur != RLIM_INFINITY) {
        if (::geteuid() == 0) {
            // The kernel does not hold root (CAP_SYS_RESOURCE) to RLIMIT_NPROC.
        } else if (const auto mine = threads_of_user(::getuid()); mine >= 0) {
            limits.push_back({fmt::format("RLIMIT_NPROC {}, {} threads of this user", nproc.rlim_cur, mine),
                              static_cast<std::int64_t>(nproc.rlim_cur) - mine});
        }
    }
    std::int64_t pids_max = 0, pids_current = 0;
    if (cgroup_pids(pids_max, pids_current) && pids_max != std::numeric_limits<std::int64_t>::max())
        limits.push_back(
            {fmt::format("cgroup pids.max {}, {} in use", pids_max, pids_current), pids_max - pids_current});
    rlimit as{}, stack{};
    if (::getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY && ::getrlimit(RLIMIT_STACK, &stack) == 0 &&
        stack.rlim_cur != RLIM_INFINITY && stack.rlim_cur > 0)
        limits.push_back({fmt::format("RLIMIT_AS {} MiB at {} MiB per stack", as.rlim_cur >> 20, stack.rlim_cur >> 20),
                          static_cast<std::int64_t>(as.rlim_cur / stack.rlim_cur)});

    thread_ceiling out;
    out.threads = std::numeric_limits<std::size_t>::max();
    std::vector<std::string> all;
    for (const auto& l : limits) {
        all.push_back(l.what);
        const auto room = static_cast<std::size_t>(std::max<std::int64_t>(0, l.room));
        if (room < out.threads) {
            out.threads = room;
            out.binding = l.what;
        }
    }
    if (limits.empty()) {
        // Nothing to go by: the sweep relies on the first thread that cannot be created.
        out.binding = "no limit could be read";
    }
    out.all = fmt::format("{}", fmt::join(all, "; "));
    return out;
}

}  // namespace tasklab::bench
