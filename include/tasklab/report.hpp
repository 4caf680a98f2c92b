#pragma once
// What a run produces: one record per task and the run's raw measurements. Everything the
// reports show is derived from these by metrics.hpp.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tasklab/shared.hpp"

namespace tasklab {

enum class task_status : std::uint8_t { ok, failed, cancelled };
std::string_view to_string(task_status s) noexcept;

/// Why a task was not running: waiting for time to pass or for a lock, or - after a yield
/// on an event loop - queued behind other tasks (consecutive yields close together are kept
/// as one `interleaved` span: the task ran in slices between other tasks' slices), or
/// `blocked`: its thread slept in a call that knows nothing of the backend
/// (context::block_for), so nothing else could run on that thread meanwhile; or `io`: a
/// socket operation (context::connect, read_some, write_all ...) waited for the network.
enum class wait_kind : std::uint8_t { sleep, lock, interleaved, blocked, io };
/// The highest kind: what a decoder accepts, and a new kind must move.
inline constexpr wait_kind last_wait_kind = wait_kind::io;
std::string_view to_string(wait_kind k) noexcept;

struct wait_span {
    std::int64_t start_ns = 0;  // since the run's start
    std::int64_t end_ns = 0;
    wait_kind kind = wait_kind::sleep;
};

/// Spans kept per task; a task that waits more often is marked `waits_truncated`.
inline constexpr std::size_t max_wait_spans = 1024;

/// One per task, all of a run's at once: the small members sit together at the end, so that
/// a record takes 104 bytes on x86-64 (libstdc++), not the 128 that padding between them
/// would make it (checked below).
struct task_record {
    std::int64_t start_ns = 0;  // since the run's start, monotonic clock
    std::int64_t end_ns = 0;
    std::int64_t worker = 0;    // OS thread id (gettid) in-process, pid for fork
    std::int64_t value = 0;
    std::int64_t cpu_ns = -1;   // CPU time the task used, -1 where it cannot be measured
    std::string error;          // empty unless failed
    std::vector<wait_span> waits;  // only when the run was asked to record them
    std::uint32_t index = 0;
    task_status status = task_status::failed;
    bool started = false;       // false: the task never began (thread or child not created)
    bool waits_truncated = false;
};
// Where the figure above was measured: libc++'s std::string is 24 bytes, not 32.
#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(task_record) == 104, "task_record changed size: keep its small members together at its end");
#endif

/// The heartbeat: a 1 ms ticker beside the tasks (docs/measurements.md).
struct heartbeat_stats {
    std::size_t ticks = 0;
    std::int64_t max_lag_ns = 0;
    std::int64_t p99_lag_ns = 0;
};

/// Resources used over the run. Memory figures are KiB; -1 where unknown.
struct resource_usage {
    std::int64_t peak_rss_kib = -1;          // this process, over the run (see peak_rss_scope)
    std::string peak_rss_scope;              // "run" (peak reset at its start) or "process lifetime"
    std::int64_t children_max_rss_kib = -1;  // fork: the largest child's peak
    std::int64_t children_sum_rss_kib = -1;  // fork: sum of the children's peaks (an upper bound)
    std::int64_t voluntary_switches = 0;     // this process and its reaped children
    std::int64_t involuntary_switches = 0;
};

/// Shared state after the run: what the tasks should have produced and what is there.
struct shared_outcome {
    std::int64_t expected = 0;
    std::int64_t actual = 0;
    std::int64_t lost() const noexcept { return expected - actual; }
    std::string note;  // e.g. "each child changed its own copy"
};

/// What a task type concludes from the records and the shared state.
struct outcome {
    std::optional<std::int64_t> value;          // the reduced value
    std::optional<shared_outcome> shared;
    std::string check;                          // e.g. "= n(n+1)/2"; empty when nothing to check
    bool check_passed = true;
    /// CPU time a server the task type started for the run used serving it, in a process of
    /// its own (fetch's embedded server): not in the run's cpu. -1: no such server.
    double server_cpu_s = -1;
};

/// What ran a backend's tasks: threads of this process, or processes of their own.
enum class worker_kind : std::uint8_t { thread, process };
std::string_view to_string(worker_kind k) noexcept;

struct run_report {
    std::string backend;
    worker_kind workers = worker_kind::thread;  // what record.worker names
    bool interleaved = false;   // several tasks were in flight on one worker at once
    std::int64_t origin_ns = 0; // the run's start on the monotonic clock (record times are relative)
    std::int64_t wall_ns = 0;   // run start .. last task's end
    double cpu_s = 0;           // user+sys of the process and its reaped children over the window
    std::int64_t window_ns = 0; // what cpu_s was measured over: execute()'s start .. its end
    sharing memory = sharing::shared;
    std::vector<task_record> records;
    outcome result;
    heartbeat_stats heartbeat;
    resource_usage usage;
    /// "" unless the run was stopped before its end: why ("SIGINT", "stop requested"). Its
    /// records then hold what was done: tasks that were cut short or never started are
    /// `cancelled`, so ok + failed + cancelled is still the number of tasks.
    std::string stopped_by;
};

}  // namespace tasklab
