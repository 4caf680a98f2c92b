#include "tasklab/backends/fork.hpp"

#include <asio/io_context.hpp>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "backends/creation.hpp"
#include "backends/reapable.hpp"
#include "tasklab/clock.hpp"
#include "tasklab/driver.hpp"
#include "tasklab/errors.hpp"
#include "tasklab/text.hpp"
#include "wire.hpp"

namespace tasklab {

std::string_view fork_backend::summary() const noexcept {
    return "one child process per task, results over pipes: separate memory, parallel";
}

namespace {

std::size_t entries_in(const char* dir) {
    std::size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != decltype(it){}; it.increment(ec)) ++n;
    return n;
}

// --- the child -----------------------------------------------------------------------------

// Exit codes of a child that could not deliver its result (the parent reports them).
constexpr int exit_write_failed = 3;
constexpr int exit_internal = 4;

bool write_all(int fd, std::span<const std::byte> bytes) noexcept {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

/// The signal state a child's task runs with, read once from the parent, which is
/// single-threaded (check_backend), so it cannot change between this reading and the forks.
struct child_signals {
    // A clean mask: nothing the parent blocked stays blocked in the task.
    bool unblock_all = false;
    // A Ctrl-C reaches the whole foreground process group; the parent decides what happens to
    // its children (SIGTERM, then SIGKILL), so that every child is accounted for.
    bool ignore_sigint = false;
    // SIGTERM is how the parent stops a child (a timeout, a stopped run): its default action,
    // whatever handler the parent had installed for itself. A crash in the task is the child's
    // death, reported by the parent with its signal: not a handler of the embedding program's
    // (a test runner's, a crash reporter's) run in a copy of that program.
    std::array<int, 6> to_default{};
    std::size_t to_default_count = 0;

    static child_signals of_this_process() noexcept {
        child_signals plan;
        sigset_t blocked;
        plan.unblock_all = ::sigprocmask(SIG_BLOCK, nullptr, &blocked) != 0 || !::sigisemptyset(&blocked);
        struct sigaction action {};
        plan.ignore_sigint = ::sigaction(SIGINT, nullptr, &action) != 0 || action.sa_handler != SIG_IGN;
        for (const int sig : {SIGTERM, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
            if (::sigaction(sig, nullptr, &action) != 0 || action.sa_handler != SIG_DFL)
                plan.to_default[plan.to_default_count++] = sig;
        return plan;
    }

    /// In the child: what differs from the parent's state.
    void apply() const noexcept {
        if (unblock_all) {
            sigset_t none;
            ::sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
        }
        if (ignore_sigint) ::signal(SIGINT, SIG_IGN);
        for (std::size_t k = 0; k < to_default_count; ++k) ::signal(to_default[k], SIG_DFL);
    }
};

/// The child's whole life: its one task on the loop the parent built, its record over the
/// pipe, _exit. Only what is safe in the child of a possibly threaded program happens here,
/// and nothing is destroyed on the way out: the parent's objects are the parent's.
[[noreturn]] void child_main(run_state& run, std::uint32_t index, int result_fd, pid_t parent,
                             const child_signals& signals, asio::io_context& loop) noexcept {
    // Die with the parent rather than run on as an orphan; the check closes the race with a
    // parent that died before the prctl.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(exit_internal);
    signals.apply();
    // Close what is not ours: the read ends of the other children's pipes and whatever else
    // the parent had open. Standard streams stay.
    if (result_fd > 3) ::close_range(3, static_cast<unsigned>(result_fd) - 1, 0);
    ::close_range(static_cast<unsigned>(result_fd) + 1, ~0U, 0);
    try {
        // No stop state: a child is stopped by its parent's signals, and its own deadline is
        // checked by every wait.
        blocking_driver driver;
        context ctx(run, index, driver, std::stop_token{});
        run_task(loop, ctx);
        ::_exit(write_all(result_fd, wire::encode(run.records[index])) ? 0 : exit_write_failed);
    } catch (...) {
        ::_exit(exit_internal);
    }
}

// --- the parent ----------------------------------------------------------------------------

std::string signal_text(int sig) {
    const char* abbrev = ::sigabbrev_np(sig);
    return fmt::format("signal {} (SIG{}: {})", sig, abbrev ? abbrev : "?", ::strsignal(sig));
}

/// A running child and what it has sent so far.
struct child {
    pid_t pid = -1;
    int fd = -1;  // the read end of its pipe
    std::uint32_t index = 0;
    std::int64_t spawned_ns = 0;  // since the run's start
    std::vector<std::byte> received;
    bool overflow = false;  // sent more than any valid frame could hold
    // Asked to stop by the parent: why, and when SIGTERM (and SIGKILL after the grace) went out.
    enum class stop_reason : std::uint8_t { none, timeout, run_stopped } stopped = stop_reason::none;
    std::int64_t term_sent_ns = 0;
    bool kill_sent = false;
};

/// How many children may run at once: each holds one pipe end open in the parent, so stay
/// inside the soft file-descriptor limit instead of failing half-way through a run.
std::size_t children_in_flight_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 1024;
    const std::size_t open = entries_in("/proc/self/fd");
    const std::size_t reserve = open + 16;  // the run's own needs, and a margin
    return limit.rlim_cur > reserve + 1 ? static_cast<std::size_t>(limit.rlim_cur) - reserve : 1;
}

/// The clock is system-wide, so a child's times must lie between its fork and the end of its
/// pipe, and its waits inside its own run; anything else is not to be trusted (nor to be
/// subtracted without overflow).
bool plausible_times(const task_record& sent, std::int64_t spawned_ns, std::int64_t eof_ns) {
    if (!(spawned_ns <= sent.start_ns && sent.start_ns <= sent.end_ns && sent.end_ns <= eof_ns)) return false;
    return std::all_of(sent.waits.begin(), sent.waits.end(), [&](const wait_span& w) {
        return sent.start_ns <= w.start_ns && w.start_ns <= w.end_ns && w.end_ns <= sent.end_ns;
    });
}

std::string stop_text(const child& c, std::int64_t timeout_ns) {
    if (c.stopped == child::stop_reason::timeout)
        return fmt::format("timed out after {}, its timeout", duration_text(static_cast<double>(timeout_ns) / 1e9));
    return "the run was stopped";
}

/// Turns what the child sent and how it ended into its record.
void conclude_child(const child& c, int status, task_record& record, std::int64_t origin_ns, std::int64_t timeout_ns) {
    const auto eof_ns = monotonic_ns() - origin_ns;
    std::optional<task_record> sent;
    if (!c.overflow) sent = wire::decode(c.received);
    const bool had_frame = sent.has_value();
    const bool plausible = had_frame && plausible_times(*sent, c.spawned_ns, eof_ns);
    if (plausible && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        sent->index = c.index;
        record = std::move(*sent);
        record.worker = c.pid;
        return;
    }
    // No trustworthy result: the child's own times are unknown, so the record spans from the
    // fork to the end of its pipe.
    record.started = true;
    record.start_ns = c.spawned_ns;
    record.end_ns = std::max(eof_ns, c.spawned_ns);
    record.worker = c.pid;
    record.status = task_status::failed;
    if (c.stopped != child::stop_reason::none) {
        // The parent stopped it: whatever it died of, the task was cancelled, and why is known.
        record.status = task_status::cancelled;
        record.error = WIFSIGNALED(status) ? fmt::format("{}; child {} ended by {}", stop_text(c, timeout_ns), c.pid,
                                                         signal_text(WTERMSIG(status)))
                                           : fmt::format("{}; child {} exited without a result", stop_text(c, timeout_ns), c.pid);
    } else if (WIFSIGNALED(status))
        record.error = fmt::format("child {} killed by {}", c.pid, signal_text(WTERMSIG(status)));
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        record.error = fmt::format("child {} exited with code {} without a result", c.pid, WEXITSTATUS(status));
    else if (had_frame)
        record.error = fmt::format("child {} sent a result with impossible times", c.pid);
    else if (c.received.empty())
        record.error = fmt::format("child {} exited without a result", c.pid);
    else
        record.error = fmt::format("child {} sent a malformed result ({} bytes)", c.pid, c.received.size());
}

pid_t reap(pid_t pid, int& status, rusage* usage = nullptr) {
    pid_t r;
    do r = ::wait4(pid, &status, 0, usage);
    while (r < 0 && errno == EINTR);
    return r;
}

/// One run of the fork backend, as the parent sees it: children forked up to the descriptor
/// limit, their pipes polled, each read to its end and then reaped; the heartbeat ticks in the
/// same loop, since the parent stays single-threaded.
class parent_loop {
public:
    explicit parent_loop(run_state& run)
        : run_(run), parent_(::getpid()), signals_(child_signals::of_this_process()),
          limit_(children_in_flight_limit()), grace_(run.options.grace.count()),
          // A child ends itself at its own deadline if it can (and reports it); the parent's
          // SIGTERM comes a little later, for a child that cannot.
          term_after_(run.timeout_ns > 0 ? run.timeout_ns + std::min<std::int64_t>(grace_, 50'000'000) : 0) {
        running_.reserve(std::min(limit_, run.records.size()));
        polls_.reserve(running_.capacity());
    }

    void run() {
        try {
            while (next_ < run_.records.size() || !running_.empty()) {
                while (next_ < run_.records.size() && running_.size() < limit_ && !stopping_) {
                    if (!start_child(next_++)) break;
                    tick_if_due();
                    stop_children();
                }
                if (!running_.empty()) wait_for_children();
            }
        } catch (...) {
            kill_all();
            throw;
        }
        // ru_maxrss of a reaped child is its peak resident set, in KiB on Linux.
        run_.children.children_max_rss_kib = children_max_kib_;
        run_.children.children_sum_rss_kib = children_sum_kib_;
    }

private:
    /// Forks the child of task `index`; false when no further child can be made.
    bool start_child(std::size_t index) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            not_started_from(index, detail::creation_failure("pipe for process", index, run_.records.size(), errno),
                             task_status::failed);
            return false;
        }
        const auto spawned = monotonic_ns() - run_.origin_ns;
        const pid_t pid = index >= run_.options.fail_creation_at ? (errno = EAGAIN, -1) : ::fork();
        if (pid == 0) child_main(run_, static_cast<std::uint32_t>(index), fds[1], parent_, signals_, child_loop_);
        const int fork_errno = errno;
        ::close(fds[1]);
        if (pid < 0) {
            ::close(fds[0]);
            not_started_from(index, detail::creation_failure("process", index, run_.records.size(), fork_errno),
                             task_status::failed);
            return false;
        }
        running_.push_back({pid, fds[0], static_cast<std::uint32_t>(index), spawned, {}, false});
        polls_.push_back({fds[0], POLLIN, 0});
        return true;
    }

    /// Tasks from `from` on will not start: the run stopped, or no more processes can be made.
    void not_started_from(std::size_t from, const std::string& why, task_status status) {
        for (std::size_t j = from; j < run_.records.size(); ++j) run_.not_started(j, why, status);
        next_ = run_.records.size();
    }

    void tick_if_due() {
        if (const auto now = monotonic_ns(); now >= run_.heartbeat.next_due()) run_.tick(now);
    }

    /// Waits until a child's pipe has something, or the next tick is due, and handles both.
    void wait_for_children() {
        // ppoll, not poll: a timeout in nanoseconds, so an idle parent ticks on time.
        const auto until_tick = std::max<std::int64_t>(0, run_.heartbeat.next_due() - monotonic_ns());
        const timespec timeout{static_cast<time_t>(until_tick / 1'000'000'000), static_cast<long>(until_tick % 1'000'000'000)};
        const int ready = ::ppoll(polls_.data(), polls_.size(), &timeout, nullptr);
        tick_if_due();
        stop_children();
        if (ready < 0) {
            if (errno == EINTR) return;
            throw std::system_error(errno, std::generic_category(), "poll");
        }
        for (std::size_t k = 0; k < polls_.size();) {
            if (polls_[k].revents == 0 || read_from(k)) {
                polls_[k].revents = 0;
                ++k;
            }
            // else: child k ended and its slot now holds the last child, not yet looked at
        }
    }

    /// Reads what child k sent; at the end of its pipe reaps it and drops its slot: false then.
    bool read_from(std::size_t k) {
        std::byte buffer[4096];
        const ssize_t n = ::read(polls_[k].fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) return true;
        auto& c = running_[k];
        if (n > 0) {
            if (c.received.size() + static_cast<std::size_t>(n) > wire::max_frame_bytes)
                c.overflow = true;  // keep draining so the child can finish, but trust none of it
            else
                c.received.insert(c.received.end(), buffer, buffer + n);
            return true;
        }
        // End of file (or a read error): the child closed its end, so it is exiting. Only now
        // reap it, so no child can block on a full pipe while the parent waits for it.
        ::close(c.fd);
        auto& record = run_.records[c.index];
        int status = 0;
        rusage usage{};
        if (reap(c.pid, status, &usage) == c.pid) {
            conclude_child(c, status, record, run_.origin_ns, run_.timeout_ns);
            children_max_kib_ = std::max<std::int64_t>(children_max_kib_, usage.ru_maxrss);
            children_sum_kib_ += usage.ru_maxrss;
        } else {
            record.status = task_status::failed;
            record.error = fmt::format("child {} could not be reaped: {}", c.pid, std::strerror(errno));
            record.start_ns = record.end_ns = monotonic_ns() - run_.origin_ns;
        }
        run_.task_done();
        if (k + 1 != running_.size()) {
            running_[k] = std::move(running_.back());
            polls_[k] = polls_.back();
        }
        running_.pop_back();
        polls_.pop_back();
        return false;
    }

    /// SIGTERM to children past their deadline, or to all once the run stops; SIGKILL to any
    /// still there a grace period later.
    void stop_children() {
        if (!stopping_ && run_.poll_stop()) {
            stopping_ = true;
            not_started_from(next_, "not started: the run was stopped first", task_status::cancelled);
        }
        if (!stopping_ && term_after_ == 0) return;
        const auto now = monotonic_ns() - run_.origin_ns;
        for (auto& c : running_) {
            if (c.stopped == child::stop_reason::none && (stopping_ || now >= c.spawned_ns + term_after_)) {
                c.stopped = stopping_ ? child::stop_reason::run_stopped : child::stop_reason::timeout;
                c.term_sent_ns = now;
                ::kill(c.pid, SIGTERM);
            } else if (c.stopped != child::stop_reason::none && !c.kill_sent && now >= c.term_sent_ns + grace_) {
                c.kill_sent = true;
                ::kill(c.pid, SIGKILL);
            }
        }
    }

    /// Leaves nothing behind: no child, no zombie, no descriptor.
    void kill_all() noexcept {
        for (const auto& c : running_) {
            ::kill(c.pid, SIGKILL);
            ::close(c.fd);
            int status = 0;
            reap(c.pid, status);
        }
    }

    run_state& run_;
    const detail::reapable_children reapable_;
    const pid_t parent_;
    const child_signals signals_;
    // Every child's loop, built here once and inherited, never run by the parent.
    asio::io_context child_loop_{1};
    const std::size_t limit_;
    const std::int64_t grace_;
    const std::int64_t term_after_;
    std::vector<child> running_;
    std::vector<pollfd> polls_;  // polls_[k] watches running_[k].fd
    std::size_t next_ = 0;       // the next task to fork
    std::int64_t children_max_kib_ = 0, children_sum_kib_ = 0;
    bool stopping_ = false;
};

}  // namespace

void fork_backend::check_backend(const scenario&) const {
    // A thread just joined can still be listed: pthread_join returns once the thread has
    // cleared its tid, early in its exit, and the kernel unlists it a little later. So a
    // caller that joined its threads (the thread backend's, a ticker's) right before this is
    // given a few milliseconds before it is refused.
    auto threads = entries_in("/proc/self/task");
    for (int retry = 0; threads > 1 && retry < 20; ++retry) {
        ::usleep(1'000);
        threads = entries_in("/proc/self/task");
    }
    if (threads > 1)
        throw usage_error(fmt::format("the fork backend needs a single-threaded caller, and this process has {} "
                                      "threads: a child forked now could inherit a lock another thread holds",
                                      threads));
}

void fork_backend::execute(run_state& run) const { parent_loop(run).run(); }

}  // namespace tasklab
