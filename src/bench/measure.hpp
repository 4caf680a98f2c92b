#pragma once
// How the bench measures one probe, the same way for tasklab and for the raw baselines: wall
// time around the whole batch, and memory as the growth of the process's peak resident set
// (or, for fork, the children's own peaks from wait4). Internal to `tasklab bench`.
#include <cstddef>
#include <cstdint>
#include <string>

namespace tasklab::bench {

/// One probe's batch of N tasks, run once.
struct sample {
    std::int64_t wall_ns = 0;          // the whole batch: setup, every task, teardown
    double cpu_s = -1;                 // user+sys of this process and its reaped children over the batch
    double memory_bytes_per_task = -1; // see memory_scope of the case; -1 unknown
    std::int64_t peak_rss_kib = -1;    // this process's peak over the batch (absolute)
    std::size_t failed = 0;            // tasks that did not return their value
    std::size_t started = 0;           // tasks that began (threads or children created)
    std::size_t max_in_flight = 0;     // tasklab only (from its records); 0 unknown
    std::string error;                 // why tasks failed or stopped (first reason)
};

/// Brackets a batch: returns the heap's free memory to the system (malloc_trim) and starts a
/// new peak, so that the peak's growth over the batch is what the batch added.
class memory_window {
public:
    memory_window();
    /// Peak growth since construction, in bytes per task (never below 0), the peak itself,
    /// and the CPU time used since construction. Where the peak could not be reset (no
    /// writable /proc/self/clear_refs), the memory figures stay unknown (-1): the peak would
    /// be the process's whole life's, an earlier batch's.
    void finish(sample& s, std::size_t tasks) const;

private:
    bool peak_reset_ = false;
    std::int64_t before_kib_ = -1;
    double cpu_before_s_ = 0;
};



/// The machine's memory in use, watched every 5 ms from a process of its own (the fork
/// backend refuses a caller with a second thread): how far the system's MemAvailable fell
/// below where it was at the last restart(). System-wide, so it holds what the kernel keeps for
/// sockets and what every process added - and other programs' noise. Make one while this
/// process is small, and keep it: a forked watcher shares this process's pages, and each page
/// this process then writes for the first time is copied once.
class machine_memory_watch {
public:
    machine_memory_watch();
    ~machine_memory_watch();
    machine_memory_watch(const machine_memory_watch&) = delete;
    machine_memory_watch& operator=(const machine_memory_watch&) = delete;
    /// Starts a new watch from the memory available now.
    void restart();
    /// The largest fall since restart(), in bytes (0 if none); -1 if it could not be watched.
    std::int64_t fall();

private:
    void stop() noexcept;
    int pid_ = -1;
    int fd_ = -1;  // to the watcher: 'r' restarts, 'f' asks for the fall; closed, it ends
};

/// MemAvailable of /proc/meminfo, bytes; -1 if unreadable.
std::int64_t memory_available_bytes() noexcept;

/// Threads this process has now (/proc/self/task).
std::size_t thread_count() noexcept;

/// How many more threads this process could create, from the limits that apply; `binding`
/// names the smallest of them ("pid_max 32768, 210 in use", ...). With no limit readable,
/// `threads` is the largest size_t.
struct thread_ceiling {
    std::size_t threads = 0;
    std::string binding;
    std::string all;  // every limit found, for the report
};
thread_ceiling find_thread_ceiling();

}  // namespace tasklab::bench
