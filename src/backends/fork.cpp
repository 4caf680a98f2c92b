#include "tasklab/backends/fork.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <vector>

#include "backends/contexts.hpp"
#include "backends/creation.hpp"
#include "backends/reapable.hpp"
#include "format/cells.hpp"
#include "tasklab/clock.hpp"
#include "tasklab/errors.hpp"
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

/// Sends a child's record over its pipe; false if it could not.
bool send_record(const task_record& record, int fd) {
    // A record with no error text and no wait spans (most) is encoded on the stack, whose
    // pages the loop has touched already: a vector would be one more heap page to fault in.
    std::array<std::byte, 256> small;
    const std::size_t size = wire::encode_into(record, small);
    return size <= small.size() ? write_all(fd, std::span(small).first(size)) : write_all(fd, wire::encode(record));
}

/// What a child does between its start and its end: its one task on `io`, filling `own`,
/// then `then()`. A child's `then` sends the record and _exits, so nothing here is ever
/// destroyed: destructors would only write to more pages, each one a copy-on-write fault.
/// When run_alone returns the task has ended and its frames are gone.
template <class Then>
void live_child(run_state& run, task_record& own, asio::io_context& io, Then&& then) {
    // No stop state to allocate: a child is stopped by its parent's signals, and its own
    // deadline is checked by every wait.
    detail::loop_state loop(false);  // the plain CPU clock: a perf event would cost the child more
    detail::child_context ctx(own.index, run.constants, std::stop_token{}, loop);
    loop.attach(io, nullptr);  // the child's waits block: no timers
    const detail::task_site site{&run, nullptr, ::getpid(), &own};  // a child's worker is its pid
    detail::run_alone(io, ctx, site);
    then();
}

/// The rehearsal's task: a yield and the shortest sleep, the calls a child's task makes most.
class rehearsal_task final : public workload {
public:
    awaitable<task_result> run(context& ctx) const override {
        co_await ctx.yield();
        co_await ctx.sleep_for(sim_seconds(1e-9));
        co_return task_result{};
    }
};

/// Runs in the parent, once per run, what every child runs besides the task itself: the calls
/// of its start, then its own path (live_child, send_record) with a task that yields and sleeps.
/// Without -z now, a child's first call of a function resolves its symbol lazily, reading
/// symbol tables its pages do not map yet: a dozen page faults or more per child, each one a
/// trip through the hypervisor on a paravirtualised machine. Resolved here, harmlessly, the
/// entries are inherited by every child. The same path also leaves malloc's per-size caches
/// holding blocks of the sizes a child asks for (all but its task's frame), so that a child
/// takes them from there and not from the arena, whose state is two more pages to copy.
/// (The task's own first calls still resolve in the child; _exit, which cannot be rehearsed,
/// is called through its address: exit_child.)
void rehearse_child() noexcept {
    int signal = 0;
    ::prctl(PR_GET_PDEATHSIG, &signal);
    (void)::getppid();
    (void)::getpid();
    sigset_t set;
    ::sigemptyset(&set);
    ::sigprocmask(SIG_BLOCK, nullptr, &set);  // reads the mask, changes nothing
    ::close_range(~0U, ~0U, 0);               // no descriptor is that high: closes nothing
    read_clocks_by_system_call(true);         // as a child reads them
    try {
        scenario s{{}, std::make_shared<rehearsal_task>()};
        s.settings.time_scale = 1;  // a sleep of 1 ns, not one rounded to none
        task_record record;
        const run_options options;
        run_state run(s, nullptr, std::span(&record, 1), monotonic_ns(), options);
        asio::io_context io(1);
        task_record own = record;
        live_child(run, own, io, [&] {
            (void)send_record(own, -1);  // EBADF
            (void)wire::encode(own);     // encode_into's code too: encode is built on it
        });
    } catch (...) {
        // Only a rehearsal: the children resolve whatever it could not.
    }
    read_clocks_by_system_call(false);
}

/// _exit, called through the address the dynamic linker filled in at startup: through the
/// PLT, the parent never having called it, every child would resolve it lazily. (Taking its
/// address makes the linker bind it at startup for the whole program, bare forks included.)
[[noreturn]] void exit_child(int code) noexcept {
    auto* exit_now = &::_exit;
    asm volatile("" : "+r"(exit_now));  // an indirect call, not one the compiler turns back into the PLT's
    exit_now(code);
    __builtin_unreachable();
}

/// What a child must change in the signal state it inherits, found once per run: each call
/// the child makes costs it a system call and, the first time, a page fault on the code that
/// makes it, so it changes only what differs from what it needs.
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

    /// The parent is single-threaded (check_backend), so its signal state cannot change
    /// between this reading and its forks.
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

    void apply() const noexcept {
        if (unblock_all) unblock_every_signal();
        if (ignore_sigint) set_action(SIGINT, SIG_IGN);
        for (std::size_t k = 0; k < to_default_count; ++k) set_action(to_default[k], SIG_DFL);
    }

private:
    // The system calls themselves, not libc's signal functions: those sit on a page of libc
    // that nothing else a child runs touches, and its first call is a page fault, dearer than
    // the calls (docs/architecture.md, "Fork children, a third count"). syscall() lies near
    // prctl() in libc, which every child calls first, and is usually mapped with it.
#if (defined(__x86_64__) && defined(__LP64__)) || defined(__aarch64__)
    /// rt_sigaction's argument as the kernel lays it out on these two (not libc's struct
    /// sigaction; others differ: riscv has no restorer, x32 other widths); no handler is ever
    /// set, only SIG_IGN or SIG_DFL, so the restorer stays null.
    struct kernel_action {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)();
        std::uint64_t mask;
    };
    static void set_action(int sig, void (*handler)(int)) noexcept {
        const kernel_action action{handler, 0, nullptr, 0};
        ::syscall(SYS_rt_sigaction, sig, &action, nullptr, sizeof action.mask);
    }
    static void unblock_every_signal() noexcept {
        const std::uint64_t none = 0;
        ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof none);
    }
#else
    static void set_action(int sig, void (*handler)(int)) noexcept { ::signal(sig, handler); }
    static void unblock_every_signal() noexcept {
        sigset_t none;
        ::sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
    }
#endif
};

/// The child's whole life: run the one task on the loop it inherited, send the record, _exit.
/// `io` was built by the parent, once for all its children, and never run (see execute()).
[[noreturn]] void child_main(run_state& run, const task_record& record, int result_fd, pid_t parent,
                             const child_signals& signals, asio::io_context& io) noexcept {
    // Die with the parent rather than run on as an orphan; the check closes the race with a
    // parent that died before the prctl.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) exit_child(exit_internal);
    read_clocks_by_system_call(true);
    signals.apply();
    // Close what is not ours: the read ends of the other children's pipes and whatever else
    // the parent had open. Standard streams stay.
    if (result_fd > 3) ::close_range(3, static_cast<unsigned>(result_fd) - 1, 0);
    ::close_range(static_cast<unsigned>(result_fd) + 1, ~0U, 0);
    try {
        task_record own = record;  // filled on the stack (task_site::own_record), sent from there
        live_child(run, own, io, [&] { exit_child(send_record(own, result_fd) ? 0 : exit_write_failed); });
        exit_child(exit_internal);  // not reached: the child's `then` ends it
    } catch (...) {
        exit_child(exit_internal);
    }
}

std::string signal_text(int sig) {
    const char* abbrev = ::sigabbrev_np(sig);
    return fmt::format("signal {} (SIG{}: {})", sig, abbrev ? abbrev : "?", ::strsignal(sig));
}

/// A running child and what it has sent so far.
struct child {
    pid_t pid = -1;
    int fd = -1;  // the read end of its pipe
    std::uint32_t index = 0;
    std::int64_t spawned_ns = 0;
    std::vector<std::byte> received;
    bool overflow = false;  // sent more than any valid frame could hold
    // Asked to stop by the parent: why, and when SIGTERM (and SIGKILL after the grace) went out.
    enum class stop_reason : std::uint8_t { none, timeout, run_stopped } stopped = stop_reason::none;
    std::int64_t term_sent_ns = 0;  // since the run's start
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

/// Turns what the child sent and how it ended into its record.
bool plausible_times(const task_record& sent, std::int64_t spawned_ns, std::int64_t eof_ns) {
    // The clock is system-wide, so the child's times must lie between its fork and the end of
    // its pipe, and its waits inside its own run; anything else is not to be trusted (nor to
    // be subtracted without overflow).
    if (!(spawned_ns <= sent.start_ns && sent.start_ns <= sent.end_ns && sent.end_ns <= eof_ns)) return false;
    return std::all_of(sent.waits.begin(), sent.waits.end(), [&](const wait_span& w) {
        return sent.start_ns <= w.start_ns && w.start_ns <= w.end_ns && w.end_ns <= sent.end_ns;
    });
}

std::string stop_text(const child& c, std::int64_t timeout_ns) {
    if (c.stopped == child::stop_reason::timeout)
        return fmt::format("timed out after {} (--timeout)",
                           format::detail::seconds(static_cast<double>(timeout_ns) / 1e9));
    return "the run was stopped";
}

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

/// Heartbeat ticks the parent takes between forks, handed to the run in batches. A fork makes
/// every page the parent has written shared with the new child, so the parent's next write to
/// any of them is a copy-on-write fault; a tick written straight into the run's recorder would
/// pay one or two after every fork. The batch sits in the forking loop's own stack frame, which
/// that loop writes after every fork anyway. Ticks are handed over before each poll, so when no
/// child is being forked they reach the run as soon as they are taken.
class tick_batch {
public:
    explicit tick_batch(run_state& run) noexcept : run_(run), due_(run.heartbeat.next_due()) {}
    std::int64_t next_due() const noexcept { return due_; }
    void take_if_due(std::int64_t now) {
        if (now < due_) return;
        taken_[count_++] = now;
        due_ = heartbeat_recorder::due_after(due_, now);
        if (count_ == taken_.size()) hand_over();
    }
    void hand_over() {
        for (std::size_t k = 0; k < count_; ++k) run_.tick(taken_[k]);
        count_ = 0;
    }

private:
    run_state& run_;
    std::int64_t due_;
    std::array<std::int64_t, 32> taken_;
    std::size_t count_ = 0;
};

pid_t reap(pid_t pid, int& status, rusage* usage = nullptr) {
    pid_t r;
    do r = ::wait4(pid, &status, 0, usage);
    while (r < 0 && errno == EINTR);
    return r;
}


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

namespace {

}  // namespace

void fork_backend::execute(run_state& run) {
    const detail::reapable_children reapable;
    rehearse_child();
    const pid_t parent = ::getpid();
    const auto signals = child_signals::of_this_process();
    // Every child's loop, built here once and inherited, never run by the parent: built by
    // each child, its allocations and constructors cost every child page faults of its own.
    asio::io_context child_loop(1);
    const std::size_t limit = children_in_flight_limit();
    auto records = run.records;
    std::vector<child> running;
    // polls[k] watches running[k].fd. Entries for new children are written just before ppoll,
    // not after each fork: between two forks the parent writes as few pages as it can, since
    // each one is shared with the child just forked, and writing it costs a copy-on-write fault.
    std::vector<pollfd> polls;
    std::size_t next = 0;
    std::int64_t children_max_kib = 0, children_sum_kib = 0;
    bool stopping = false;
    const std::int64_t grace = run.options.grace.count();
    // A child ends itself at its own deadline if it can (and reports it); the parent's
    // SIGTERM comes a little later, for a child that cannot.
    const std::int64_t term_after = run.timeout_ns > 0 ? run.timeout_ns + std::min<std::int64_t>(grace, 50'000'000) : 0;

    // Reserved up front, so that recording a forked child never has to allocate.
    running.reserve(std::min(limit, records.size()));
    polls.reserve(std::min(limit, records.size()));

    // Tasks from `from` on will not start: the run stopped, or no more processes can be made.
    const auto not_started_from = [&](std::size_t from, const std::string& why, task_status status) {
        for (std::size_t j = from; j < records.size(); ++j) detail::not_started(records[j], why, run, status);
        next = records.size();
    };
    // False when no further child can be made.
    const auto start_child = [&](task_record& record) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            not_started_from(record.index, detail::creation_failure("pipe for process", record.index, records.size(), errno),
                             task_status::failed);
            return false;
        }
        const auto spawned = monotonic_ns() - run.origin_ns;
        const pid_t pid = record.index >= run.options.fail_creation_at ? (errno = EAGAIN, -1) : ::fork();
        if (pid == 0) child_main(run, record, fds[1], parent, signals, child_loop);
        const int fork_errno = errno;
        ::close(fds[1]);
        if (pid < 0) {
            ::close(fds[0]);
            not_started_from(record.index, detail::creation_failure("process", record.index, records.size(), fork_errno),
                             task_status::failed);
            return false;
        }
        running.push_back({pid, fds[0], record.index, spawned, {}, false});
        return true;
    };
    // The parent stays single-threaded, so the heartbeat ticks here, between forks and
    // whenever poll() wakes: its lag is how long the parent's own loop was busy.
    tick_batch ticks(run);
    const auto tick_if_due = [&ticks] { ticks.take_if_due(monotonic_ns()); };
    // SIGTERM to children past their deadline, or to all once the run stops; SIGKILL to any
    // still there a grace period later.
    const auto stop_children = [&] {
        if (!stopping && run.poll_stop()) {
            stopping = true;
            not_started_from(next, "not started: the run was stopped first", task_status::cancelled);
        }
        if (!stopping && term_after == 0) return;
        const auto now = monotonic_ns() - run.origin_ns;
        for (auto& c : running) {
            if (c.stopped == child::stop_reason::none && (stopping || now >= c.spawned_ns + term_after)) {
                c.stopped = stopping ? child::stop_reason::run_stopped : child::stop_reason::timeout;
                c.term_sent_ns = now;
                ::kill(c.pid, SIGTERM);
            } else if (c.stopped != child::stop_reason::none && !c.kill_sent && now >= c.term_sent_ns + grace) {
                c.kill_sent = true;
                ::kill(c.pid, SIGKILL);
            }
        }
    };

    std::byte buffer[4096];
    try {
        while (next < records.size() || !running.empty()) {
            while (next < records.size() && running.size() < limit && !stopping) {
                if (!start_child(records[next++])) break;
                tick_if_due();
                stop_children();
            }
            if (running.empty()) continue;
            while (polls.size() < running.size()) polls.push_back({running[polls.size()].fd, POLLIN, 0});

            // ppoll, not poll: a timeout in nanoseconds, so an idle parent ticks on time.
            ticks.hand_over();
            const auto until_tick = std::max<std::int64_t>(0, ticks.next_due() - monotonic_ns());
            const timespec timeout{static_cast<time_t>(until_tick / 1'000'000'000), static_cast<long>(until_tick % 1'000'000'000)};
            const int ready = ::ppoll(polls.data(), polls.size(), &timeout, nullptr);
            tick_if_due();
            stop_children();
            if (ready < 0) {
                if (errno == EINTR) continue;
                throw std::system_error(errno, std::generic_category(), "poll");
            }
            for (std::size_t k = 0; ready > 0 && k < polls.size();) {
                if (polls[k].revents == 0) {
                    ++k;
                    continue;
                }
                const ssize_t n = ::read(polls[k].fd, buffer, sizeof buffer);
                if (n < 0 && errno == EINTR) continue;
                if (n > 0) {
                    auto& c = running[k];
                    if (c.received.size() + static_cast<std::size_t>(n) > wire::max_frame_bytes)
                        c.overflow = true;  // keep draining so the child can finish, but trust none of it
                    else
                        c.received.insert(c.received.end(), buffer, buffer + n);
                    polls[k].revents = 0;
                    ++k;
                    continue;
                }
                // End of file (or a read error): the child closed its end, so it is exiting.
                // Only now reap it, so no child can block on a full pipe while we wait for it.
                ::close(polls[k].fd);
                int status = 0;
                rusage usage{};
                const pid_t pid = running[k].pid;
                auto& record = records[running[k].index];
                if (reap(pid, status, &usage) == pid) {
                    conclude_child(running[k], status, record, run.origin_ns, run.timeout_ns);
                    children_max_kib = std::max<std::int64_t>(children_max_kib, usage.ru_maxrss);
                    children_sum_kib += usage.ru_maxrss;
                } else {
                    record.status = task_status::failed;
                    record.error = fmt::format("child {} could not be reaped: {}", pid, std::strerror(errno));
                    record.start_ns = record.end_ns = monotonic_ns() - run.origin_ns;
                }
                run.task_done();
                if (k + 1 != running.size()) {
                    running[k] = std::move(running.back());
                    polls[k] = polls.back();
                }
                running.pop_back();
                polls.pop_back();
            }
        }
        ticks.hand_over();
    } catch (...) {
        // Leave nothing behind: no child, no zombie, no descriptor.
        for (std::size_t k = 0; k < running.size(); ++k) {
            ::kill(running[k].pid, SIGKILL);
            ::close(running[k].fd);
            int status = 0;
            reap(running[k].pid, status);
        }
        throw;
    }
    // ru_maxrss of a reaped child is its peak resident set, in KiB on Linux.
    run.children.children_max_rss_kib = children_max_kib;
    run.children.children_sum_rss_kib = children_sum_kib;
}

}  // namespace tasklab
