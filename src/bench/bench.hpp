#pragma once
// `tasklab bench`: what each backend costs per task, against the same mechanism written
// without tasklab, measured in the same process invocation in alternating rounds; and with
// `scale`, how time and memory per task grow with the number of tasks.
//
// Internal (src/bench/), not a public header: its figures are about tasklab itself, not about
// a user's task types, so the CLI (`tasklab bench`, also through run_cli in a user's own
// executable) is its interface, and its types may change with what it measures.
// Definitions: docs/bench.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bench/measure.hpp"
#include "bench/work.hpp"
#include "tasklab/statistics.hpp"

namespace tasklab::bench {

struct options {
    std::size_t rounds = 0;   // measured rounds; 0: 7 for the bench, 3 for --scale
    std::size_t tasks = 0;    // 0: each probe's own N; else every probe's N (--scale: the largest N)
    bool scale = false;
    /// The backends to measure, in catalog order; empty: all. The compute speed-up needs
    /// sequential's compute case, which runs whenever thread or fork is chosen.
    std::vector<std::string> backends;
    std::size_t yields = 10;  // K of the yield probes
    /// The default bench stops adding rounds (after at least 3) when the next one, and one
    /// round of the million waiting tasks after them, would end past this many seconds, and
    /// runs fewer rounds of the million (at least 1) if they would; explicit --rounds are all run.
    double budget_s = 80;
    /// Told before each probe runs, e.g. to draw a progress line.
    std::function<void(const std::string& what, std::size_t step, std::size_t steps)> progress;
};

/// One implementation of one case - tasklab, or one raw baseline - over the rounds.
struct side {
    std::string name;              // "tasklab", "asio awaitable", "std::thread", ...
    std::vector<sample> samples;   // one per measured round
    summary_stats time_ns;         // per task: (wall - the case's wait) / N
    summary_stats memory_bytes;    // per task (see case_result::memory_scope)
    summary_stats peak_mib;        // this process's absolute peak over the batch
    summary_stats cores_busy;      // cpu / wall of the batch: how many cores it kept busy
    std::size_t failed = 0;        // tasks that did not return their value, over all rounds
    std::string error;             // the first reason
};

/// One backend running one kind of task, N at a time: tasklab and its raw baselines.
struct case_result {
    std::string backend;
    std::string label;             // "empty", "sleep 1 ns", "10 yields", "compute", "1000000 waiting"
    work_spec spec;
    std::int64_t subtract_ns = 0;  // a waiting case's wait: not part of the cost per task
    std::string memory_scope;      // what memory per task means for this case
    side tasklab;
    std::vector<side> raw;         // raw[0] is the reference of the ratios
    std::vector<std::string> notes;  // why a figure of this case may not say what it seems to
};

/// tasklab's median over the baseline's (or any side's over another's): time per task, memory
/// per task; 0 where a median is not known or not above 0.
double time_ratio(const side& tasklab, const side& raw);
double memory_ratio(const side& tasklab, const side& raw);

/// The compute split of one backend against the same sum on one core: each side's speed-up is
/// the one-core median wall time over its own (tasklab against sequential through tasklab, the
/// raw baselines against the plain loop).
struct speedup {
    struct entry {
        std::string name;         // "tasklab", or the raw baseline's name
        double value = 0;         // 0 when unknown
        double cores_busy = -1;   // its median cpu / wall; -1 unknown
    };
    std::string backend;
    std::size_t parts = 0;
    std::vector<entry> sides;     // tasklab first
    std::string note;             // why the figure says little, if it does
};

/// What the per-task record costs on its own (include/tasklab/report.hpp's task_record).
struct record_cost {
    std::size_t bytes = 0;          // sizeof(task_record)
    std::size_t tasks = 0;
    summary_stats ns_per_record;    // allocate, number and free N records, per record
};

/// One point of a --scale sweep.
struct scale_point {
    std::size_t tasks = 0;
    std::int64_t wait_ns = 0;
    side tasklab;
    side raw;
    std::size_t in_flight = 0;  // tasklab's max in flight (median run): N when all waited at once
};

struct scale_series {
    std::string backend;
    std::string raw_name;
    std::vector<scale_point> points;
    std::string stop;  // where and why the sweep stopped
};

struct results {
    bool scale = false;
    std::size_t rounds_planned = 0;
    std::size_t rounds_done = 0;
    std::size_t yields = 0;
    std::size_t tasks_override = 0;
    unsigned cores = 0;
    double elapsed_s = 0;
    double load_before = -1;     // 1-minute load average when the bench started, and ended
    double load_after = -1;
    std::string rounds_note;     // why fewer rounds than planned
    std::vector<std::string> notes;  // why the run's figures may be less certain (a busy machine, ...)
    std::vector<case_result> cases;
    record_cost records;
    thread_ceiling ceiling;      // --scale
    std::vector<scale_series> series;
};

/// Whether o measures `backend`.
bool chosen(const options& o, std::string_view backend);

/// Throws usage_error for options out of range, before anything runs.
void check(const options& o);

/// The bench (or, with o.scale, the sweep). Runs in this process; the fork probes need it
/// single-threaded, and every thread the others make is joined before they run.
results run(const options& o);

/// Fills a side's statistics from its samples (per task, less `subtract_ns`).
void summarize_side(side& s, std::size_t tasks, std::int64_t subtract_ns);

/// The compute splits of r (thread, fork and pool, where run with sequential's).
std::vector<speedup> speedups(const results& r);

/// 1000000 as "1,000,000".
std::string grouped(std::size_t n);

/// The ceiling as --scale's and c10k's JSON give it: threads (null when no limit was read),
/// the binding limit and every limit found.
nlohmann::json ceiling_json(const thread_ceiling& c);

std::string table(const results& r, bool colour);
std::string json(const results& r);

}  // namespace tasklab::bench
