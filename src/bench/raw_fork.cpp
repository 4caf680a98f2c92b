// Raw baseline of the fork backend: pipe2, fork, the body, an 8-byte result over the pipe,
// _exit; the parent reads each pipe to its end and reaps with wait4. Nothing else.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "backends/reapable.hpp"
#include "bench/bare_ticker.hpp"
#include "bench/body.hpp"
#include "bench/raw.hpp"
#include "tasklab/clock.hpp"

namespace tasklab::bench {
namespace {

/// Pipes that may be open at once: the soft descriptor limit, less what is open and a margin.
std::size_t pipes_allowed() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 1024;
    std::size_t open = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (const dirent* e = ::readdir(d)) open += e->d_name[0] != '.';
        ::closedir(d);
    }
    const std::size_t reserve = open + 16;
    return limit.rlim_cur > reserve + 1 ? static_cast<std::size_t>(limit.rlim_cur) - reserve : 1;
}

struct child {
    pid_t pid;
    int fd;
    std::size_t index;
};

}  // namespace

namespace {

sample forks(const work_spec& spec, bool ticking) {
    std::vector<std::int64_t> results(spec.tasks, 0);
    std::vector<child> children;
    children.reserve(spec.tasks);
    const std::size_t limit = pipes_allowed();
    std::size_t done = 0;  // children[0, done) are read and reaped
    std::int64_t children_kib = 0;
    std::size_t reaped = 0;
    sample s;

    const auto complete = [&](const child& c) {
        std::int64_t value = 0;
        char buffer[2 * sizeof value];
        std::size_t got = 0;  // read to the end: more than 8 bytes is no valid result
        for (;;) {
            const std::size_t at = std::min(got, sizeof value);
            const ssize_t n = ::read(c.fd, buffer + at, sizeof buffer - at);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += static_cast<std::size_t>(n);
        }
        ::close(c.fd);
        int status = 0;
        rusage usage{};
        pid_t r;
        do r = ::wait4(c.pid, &status, 0, &usage);
        while (r < 0 && errno == EINTR);
        const int wait_errno = errno;
        if (r == c.pid) {
            children_kib += usage.ru_maxrss;
            ++reaped;
        }
        if (got == sizeof value && r == c.pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            std::memcpy(&value, buffer, sizeof value);
            results[c.index] = value;
        } else if (s.error.empty()) {
            s.error = r != c.pid ? fmt::format("child {} could not be reaped: {}", c.pid, std::strerror(wait_errno))
                                 : fmt::format("child {} sent {} bytes, not its 8-byte result, and ended with status {}",
                                               c.pid, got, status);
        }
    };

    const detail::reapable_children reapable;  // as the fork backend does: wait4 needs its children
    const pid_t parent = ::getpid();
    const memory_window memory;
    // A thread in the parent: the children it forks run only async-signal-safe code of their
    // own (the body, write, _exit), so no lock the ticker might hold matters to them.
    std::optional<bare_ticker> ticker;
    if (ticking) ticker.emplace();
    const auto t0 = monotonic_ns();
    for (std::size_t i = 0; i < spec.tasks; ++i) {
        while (children.size() - done >= limit) complete(children[done++]);
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            s.error = fmt::format("pipe2 failed: {}", std::strerror(errno));
            break;
        }
        const pid_t pid = ::fork();
        if (pid == 0) {
            // Dies with the bench, as a tasklab child does: a bench killed mid-sweep (a
            // timeout, a Ctrl-C) must not leave a thousand orphans behind. Both sides pay it.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(4);
            const std::int64_t value = blocking_body(spec, i);
            const bool sent = ::write(fds[1], &value, sizeof value) == static_cast<ssize_t>(sizeof value);
            ::_exit(sent ? 0 : 3);
        }
        const int fork_errno = errno;
        ::close(fds[1]);
        if (pid < 0) {
            ::close(fds[0]);
            s.error = fmt::format("fork number {} failed: {}", i + 1, std::strerror(fork_errno));
            break;
        }
        children.push_back({pid, fds[0], i});
    }
    while (done < children.size()) complete(children[done++]);
    s.wall_ns = monotonic_ns() - t0;
    ticker.reset();
    memory.finish(s, spec.tasks);
    // Memory per task is each child's own peak (wait4's ru_maxrss), as the fork backend reports.
    s.memory_bytes_per_task = reaped ? static_cast<double>(children_kib) * 1024.0 / static_cast<double>(reaped) : -1;
    s.started = children.size();
    for (std::size_t i = 0; i < spec.tasks; ++i) s.failed += results[i] != expected_value(spec, i);
    return s;
}

}  // namespace

sample raw_forks(const work_spec& spec) { return forks(spec, false); }

sample raw_forks_ticking(const work_spec& spec) { return forks(spec, true); }

}  // namespace tasklab::bench
