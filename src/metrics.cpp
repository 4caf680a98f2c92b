#include "tasklab/metrics.hpp"

#include <sched.h>

#include <algorithm>
#include <limits>
#include <thread>
#include <utility>
#include <vector>

namespace tasklab {

std::string_view to_string(task_status s) noexcept {
    switch (s) {
    case task_status::ok: return "ok";
    case task_status::failed: return "failed";
    case task_status::cancelled: return "cancelled";
    }
    return "unknown";
}

std::string_view to_string(wait_kind k) noexcept {
    switch (k) {
    case wait_kind::sleep: return "sleep";
    case wait_kind::lock: return "lock";
    case wait_kind::interleaved: return "interleaved";
    case wait_kind::blocked: return "blocked";
    case wait_kind::io: return "io";
    }
    return "unknown";
}

namespace {

// A short linear list, not a set: a million records on one worker cost a million compares.
std::size_t distinct_workers(const std::vector<task_record>& records) {
    std::vector<std::int64_t> seen;
    for (const auto& r : records) {
        if (!r.started || std::find(seen.begin(), seen.end(), r.worker) != seen.end()) continue;
        seen.push_back(r.worker);
        if (seen.size() == max_counted_workers) break;
    }
    return seen.size();
}

}  // namespace

// A sweep over the sorted start and end points, ends before starts at the same instant.
std::size_t max_in_flight(std::span<const task_record> records) {
    std::vector<std::pair<std::int64_t, int>> events;
    events.reserve(records.size() * 2);
    for (const auto& r : records) {
        if (!r.started) continue;
        events.emplace_back(r.start_ns, +1);
        events.emplace_back(r.end_ns, -1);
    }
    std::sort(events.begin(), events.end());
    // Signed: within one instant the ends come first and may dip below zero (a task of
    // length zero); once that instant's starts are counted the sum is exact again.
    std::int64_t now = 0, most = 0;
    for (const auto& [at, delta] : events) {
        now += delta;
        most = std::max(most, now);
    }
    return static_cast<std::size_t>(most);
}

run_metrics measure(const run_report& report) {
    run_metrics m;
    m.wall_s = static_cast<double>(report.wall_ns) / 1e9;
    m.cpu_s = report.cpu_s;
    m.window_s = static_cast<double>(report.window_ns) / 1e9;
    std::int64_t first_start = std::numeric_limits<std::int64_t>::max(), last_end = 0;
    for (const auto& r : report.records) {
        if (r.status == task_status::ok)
            ++m.tasks_ok;
        else if (r.status == task_status::cancelled)
            ++m.tasks_cancelled;
        else
            ++m.tasks_failed;
        if (!r.started) continue;
        first_start = std::min(first_start, r.start_ns);
        last_end = std::max(last_end, r.end_ns);
        const double d = static_cast<double>(r.end_ns - r.start_ns) / 1e9;
        m.task_time_s += d;
        m.longest_task_s = std::max(m.longest_task_s, d);
    }
    double task_cpu_ns = 0;
    bool all_known = !report.records.empty();
    for (const auto& r : report.records) {
        if (!r.started) continue;
        if (r.cpu_ns < 0) all_known = false;
        task_cpu_ns += static_cast<double>(r.cpu_ns);
    }
    m.task_cpu_s = all_known ? task_cpu_ns / 1e9 : -1;
    m.heartbeat_max_lag_s = static_cast<double>(report.heartbeat.max_lag_ns) / 1e9;
    m.heartbeat_p99_lag_s = static_cast<double>(report.heartbeat.p99_lag_ns) / 1e9;
    const auto mib = [](std::int64_t kib) { return kib < 0 ? -1.0 : static_cast<double>(kib) / 1024.0; };
    m.peak_rss_mib = mib(report.usage.peak_rss_kib);
    m.children_max_rss_mib = mib(report.usage.children_max_rss_kib);
    m.children_sum_rss_mib = mib(report.usage.children_sum_rss_kib);
    m.server_cpu_s = report.result.server_cpu_s;
    m.voluntary_switches = static_cast<double>(report.usage.voluntary_switches);
    m.involuntary_switches = static_cast<double>(report.usage.involuntary_switches);
    // The tasks' span against the window CPU time was measured over: what lies outside it is
    // the run's machinery alone. (No task started: all of the window is.)
    const double task_span_s = last_end > first_start ? static_cast<double>(last_end - first_start) / 1e9 : 0;
    m.fixed_cost_s = std::max(0.0, m.window_s - task_span_s);
    if (m.wall_s > 0) m.concurrency = m.task_time_s / m.wall_s;
    // CPU time and the window it was taken over, never CPU against the tasks' span alone: the
    // setup and teardown around the tasks cost CPU too.
    if (m.window_s > 0) m.parallelism = m.cpu_s / m.window_s;
    m.max_in_flight = max_in_flight(report.records);
    m.workers_used = distinct_workers(report.records);
    return m;
}

std::string_view to_string(unjudged u) noexcept {
    switch (u) {
    case unjudged::no: return "";
    case unjudged::too_short: return "too short";
    case unjudged::over_cores: return "over cores";
    case unjudged::over_workers: return "over workers";
    }
    return "";
}

verdict judge(const run_metrics& m, unsigned cores) noexcept {
    if (m.window_s < min_judged_window_s || m.fixed_cost_s > fixed_cost_share_limit * m.window_s)
        return {false, false, unjudged::too_short};
    // A little above the cores is rounding between two clocks; far above, they disagree.
    if (m.parallelism > static_cast<double>(cores) * 1.05) return {false, false, unjudged::over_cores};
    // The tasks' threads, and a tenth of a core for the run's own (its heartbeat ticker or a
    // fork parent waiting on pipes, which barely compute).
    if (m.workers_used > 0 && m.workers_used < max_counted_workers &&
        m.parallelism > static_cast<double>(m.workers_used) * 1.05 + 0.1)
        return {false, false, unjudged::over_workers};
    return {m.concurrency >= concurrent_threshold, m.parallelism >= parallel_threshold, unjudged::no};
}

verdict judge(const run_metrics& m) noexcept { return judge(m, usable_cores()); }

unsigned usable_cores() noexcept {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace tasklab
