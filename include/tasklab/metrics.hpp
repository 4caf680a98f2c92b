#pragma once
// Every figure a report shows, derived from a run report by pure functions.
// Definitions: docs/measurements.md.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "tasklab/heartbeat.hpp"
#include "tasklab/report.hpp"

namespace tasklab {

struct run_metrics {
    double wall_s = 0;         // run start .. last task's end
    double cpu_s = 0;          // user+sys of the process and its reaped children
    double task_time_s = 0;    // sum over records of (end - start)
    double concurrency = 0;    // task_time_s / wall_s: tasks in flight on average
    double parallelism = 0;    // cpu_s / window_s: cores busy on average
    double window_s = 0;       // what cpu_s was measured over (execute()'s start .. end)
    double fixed_cost_s = 0;   // the window before the first task began and after the last ended
    std::size_t max_in_flight = 0;
    /// The distinct threads or processes that ran tasks (record.worker), counted up to
    /// max_counted_workers: the most cores the tasks themselves could have kept busy.
    std::size_t workers_used = 0;
    std::size_t tasks_ok = 0;
    std::size_t tasks_failed = 0;     // failed: threw, crashed, could not start, overran
    std::size_t tasks_cancelled = 0;  // cancelled: timed out, or the run was stopped
    double longest_task_s = 0;
    double task_cpu_s = -1;           // sum of the tasks' own CPU time; -1 if any is unknown
    double heartbeat_max_lag_s = 0;
    double heartbeat_p99_lag_s = 0;
    double peak_rss_mib = -1;         // this process over the run (-1: unknown)
    double children_max_rss_mib = -1; // fork: the largest child
    double children_sum_rss_mib = -1; // fork: sum of the children's peaks
    double voluntary_switches = 0;
    double involuntary_switches = 0;
    double server_cpu_s = -1;         // outcome::server_cpu_s (-1: no server of its own)
};

run_metrics measure(const run_report& report);

/// The most started records whose [start, end) intervals contain one instant.
std::size_t max_in_flight(std::span<const task_record> records);

/// More workers than this says nothing a core count would not: counting stops there.
inline constexpr std::size_t max_counted_workers = 64;

/// Thresholds for calling a run concurrent or parallel: a verdict comes from the numbers,
/// never from the backend's name.
inline constexpr double concurrent_threshold = 1.2;
inline constexpr double parallel_threshold = 1.2;

/// A run is too short to judge when its window is shorter than ten heartbeat periods - the
/// coarsest clock a report reads, which then ticked fewer than ten times - or when its fixed
/// cost (setting up and tearing down around the tasks, measured in the run itself) is more
/// than half the window: its figures then describe the machinery, not the tasks.
inline constexpr double min_judged_window_s = 10 * heartbeat_period_ns / 1e9;
inline constexpr double fixed_cost_share_limit = 0.5;

/// Why a run gets no verdict.
enum class unjudged : std::uint8_t {
    no,          // judged
    too_short,   // window_s < min_judged_window_s, or fixed_cost_s > fixed_cost_share_limit * window_s
    over_cores,  // parallelism above the cores this process may use: the clocks disagree
    over_workers,  // above the threads or processes that ran the tasks (plus the run's own
                   // thread, a heartbeat or a waiting parent): the clocks disagree
};

std::string_view to_string(unjudged u) noexcept;  // "", "too short", "over cores", "over workers"

struct verdict {
    bool concurrent = false;   // concurrency >= concurrent_threshold
    bool parallel = false;     // parallelism >= parallel_threshold
    unjudged why_not = unjudged::no;  // when not no, concurrent and parallel are both false
};
/// `cores`: how many the process may run on (usable_cores()).
verdict judge(const run_metrics& m, unsigned cores) noexcept;
verdict judge(const run_metrics& m) noexcept;  // with usable_cores()

/// The cores this process may run on (its CPU affinity), at least 1.
unsigned usable_cores() noexcept;

}  // namespace tasklab
