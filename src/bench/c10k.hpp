#pragma once
// `tasklab c10k`: the C10K experiment. N slow connections held open at once, N swept by
// decades from 10, on each backend: every connection a `fetch` from tasklab's embedded server
// that lasts the same hold time, so that ideally all N are open together and the run takes
// the hold time. What each N costs - memory and CPU per connection, threads or processes, the
// heartbeat's lag - and where each backend stops holding them, and why.
// Internal to the CLI, like the bench; definitions in docs/bench.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/measure.hpp"
#include "tasklab/io.hpp"
#include "tasklab/report.hpp"

namespace tasklab::bench {

struct c10k_options {
    std::vector<std::string> backends;  // in catalog order; empty: coroutine, thread, fork
    std::size_t smallest = 10;          // the sweep's first N (then by decades)
    std::size_t largest = 10'000;       // the sweep's last N (each backend also stops at its task limit)
    double hold_s = 5;                  // how long each connection lasts
    std::uint64_t size = 1024;          // bytes of each body
    /// Told before each size runs, e.g. to draw a progress line.
    std::function<void(const std::string& what, std::size_t step, std::size_t steps)> progress;
};

/// Throws usage_error for options out of range (sequential, which holds one connection at a
/// time, is refused), before anything runs.
void check(const c10k_options& o);

/// One backend holding N connections, once.
struct c10k_point {
    std::size_t connections = 0;
    double wall_s = 0;
    std::size_t held = 0;           // the most connections (tasks) in flight at once
    double start_spread_s = 0;      // from the first task's start to the last one's
    std::size_t ok = 0;
    std::size_t failed = 0;         // failed or cancelled
    std::string error;              // the first one's reason
    std::size_t workers = 0;        // distinct threads or processes that ran the tasks
    worker_kind kind = worker_kind::thread;
    double memory_bytes = -1;       // per connection (c10k_series::memory_basis); -1 unknown
    double child_peak_rss_bytes = -1;  // fork: the children's mean peak resident set (shared pages included)
    /// The machine's memory in use, its largest rise over the run (machine_memory_watch) per
    /// connection: the kernel's socket memory, the server's and every process's; -1 when the
    /// rise was too small to tell from other programs' (under machine_noise_bytes) or unknown.
    double machine_bytes = -1;
    std::int64_t machine_rise_bytes = -1;  // the whole rise
    double client_cpu_s = 0;        // tasklab's process and its children over the run
    double server_cpu_s = -1;       // the server's process over the run; -1 unknown
    double heartbeat_p99_s = 0;
    double heartbeat_max_s = 0;
};

/// A rise of the machine's memory in use below this is not told apart from other programs'.
inline constexpr std::int64_t machine_noise_bytes = 32 << 20;

struct c10k_series {
    std::string backend;
    std::string memory_basis;  // what "memory per connection" is for this backend
    std::vector<c10k_point> points;
    std::string stop;          // where and why the sweep stopped
};

struct c10k_results {
    double hold_s = 0;
    std::uint64_t size = 0;
    std::size_t largest = 0;
    open_files_limit files;  // tasklab's, raised at the start
    thread_ceiling ceiling;  // threads and processes this user may still create
    unsigned cores = 0;
    double load_before = -1;
    double load_after = -1;
    double elapsed_s = 0;
    std::vector<c10k_series> series;
};

/// Runs the sweep in this process, which must have one thread: it starts the embedded server
/// (a fork) and the fork backend's children.
c10k_results run_c10k(const c10k_options& o);

std::string c10k_table(const c10k_results& r, bool colour);
/// The table of sizes alone, one row per backend and N (the demo shows it).
std::string c10k_points(const c10k_results& r, bool colour);
std::string c10k_json(const c10k_results& r);

}  // namespace tasklab::bench
