#pragma once
// A comparison: one scenario on several backends, each run several times, with statistics
// over the runs and the speed-up of each backend over the fastest. Every renderer reads this.
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tasklab/backend.hpp"
#include "tasklab/clock.hpp"
#include "tasklab/metrics.hpp"
#include "tasklab/statistics.hpp"

namespace tasklab {

/// A figure of run_metrics that varies from run to run, with its name in exports.
struct figure {
    std::string_view name;  // e.g. "wall_s"
    double run_metrics::*member;
};
/// Every figure summarised over runs, in the order exports list them.
const std::vector<figure>& figures();

/// One backend's measured runs (warm-ups are not kept).
struct backend_runs {
    std::string backend;
    /// The runs every figure is summarised over: the complete ones. Only when no run of this
    /// backend completed is the one a stop cut short here (its report says stopped_by).
    std::vector<run_report> runs;
    std::vector<run_metrics> metrics;  // metrics[i] = measure(runs[i])
    /// A run a stop cut short after complete runs: kept apart, never mixed into their figures.
    std::vector<run_report> stopped;  // empty, or that one run
    std::vector<run_metrics> stopped_metrics;

    /// Statistics of one figure over the runs.
    summary_stats stats(double run_metrics::*member) const;
    /// The run whose wall time is the median: what a single report (records, timeline, trace)
    /// shows. With an even number of runs, the faster of the two middle ones.
    const run_report& representative() const;
    const run_metrics& representative_metrics() const;
    /// Every figure at its median over the runs (-1 where no run measured it); the counts
    /// (in flight, ok, failed, longest task) are the representative run's.
    run_metrics medians() const;
};

struct comparison {
    scenario_settings settings;
    std::size_t runs = 1;
    std::size_t warmup = 0;
    std::vector<backend_runs> results;  // backends with at least one measured run
    /// The runs the figures are summarised over, at most: runs, or fewer if a stop came first.
    std::size_t complete_runs() const noexcept;
    /// "" unless a stop (run_options::stop, stop_signal) ended the comparison early: then the
    /// runs it interrupted are the last ones kept, and the backends after it did not run.
    std::string stopped_by;
    /// How busy the machine was around the comparison: when others kept its cores busy, the
    /// parallelism figures are lower bounds.
    machine_load load;
};

/// "coroutine ran 9.8 ± 0.3 times faster than sequential": each slower backend against the
/// fastest, by mean wall time.
struct speedup {
    std::string faster;
    std::string slower;
    ratio_estimate ratio;
};
std::vector<speedup> rank_by_wall(const comparison& c);

struct compare_options {
    std::size_t runs = 1;
    std::size_t warmup = 0;
    run_options run;
    /// Told before each run starts (warm-ups too), e.g. to label a progress line.
    std::function<void(std::string_view backend, std::size_t run, std::size_t runs, bool warmup)> on_run;
};

/// Runs the scenario on each backend: the warm-ups, then the measured runs, backend by
/// backend - those that fork first (a thread abandoned by another backend would make forking
/// unsafe), the results in the given order. Backends are checked first, so nothing runs if
/// one refuses. A stop (options.run) ends it early: see comparison::stopped_by.
comparison compare(const scenario& s, std::span<const backend* const> backends, const compare_options& options);

}  // namespace tasklab
