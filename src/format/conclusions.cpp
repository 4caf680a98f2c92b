#include "tasklab/format/conclusions.hpp"

#include <fmt/format.h>

#include "tasklab/text.hpp"

namespace tasklab::format {

std::string verdict_line(const run_report& report) { return verdict_line(measure(report), report); }

namespace {

/// What the figures say of the run: how many tasks overlapped and how many cores were busy,
/// or why they cannot say.
std::string judged(const run_metrics& m) {
    const auto v = judge(m);
    switch (v.why_not) {
    case unjudged::too_short:
        if (m.window_s < min_judged_window_s)
            return fmt::format("too short to judge: {} is under the {} that ten heartbeat ticks take; run more or "
                               "longer tasks",
                               duration_text(m.window_s), duration_text(min_judged_window_s));
        return fmt::format("too short to judge: {} of its {} went to setting up and tearing down around the tasks; "
                           "run more or longer tasks",
                           duration_text(m.fixed_cost_s), duration_text(m.window_s));
    case unjudged::over_cores:
        return fmt::format("not judged: {:.2f} cores busy is more than the {} this process may use, so the clocks "
                           "disagree over so short a run; run more or longer tasks",
                           m.parallelism, usable_cores());
    case unjudged::over_workers:
        return fmt::format("not judged: {:.2f} cores busy is more than the {} thread(s) or process(es) that ran "
                           "the tasks could keep busy, so the clocks disagree over so short a run; run more or "
                           "longer tasks",
                           m.parallelism, m.workers_used);
    case unjudged::no: break;
    }
    const auto overlap = v.concurrent ? fmt::format("tasks overlapped ({:.1f} in flight on average)", m.concurrency)
                                      : fmt::format("one task at a time ({:.2f} in flight on average)", m.concurrency);
    const char* model = v.concurrent && v.parallel ? "concurrent and parallel"
                        : v.concurrent             ? "concurrent, not parallel"
                        : v.parallel               ? "parallel"
                                                   : "neither concurrent nor parallel";
    return fmt::format("{}, {:.2f} cores busy: {}", overlap, m.parallelism, model);
}

}  // namespace

std::string verdict_line(const run_metrics& m, const run_report& report) {
    std::string line = judged(m);
    // With private copies the parent's shortfall is the point, not lost updates.
    if (report.memory == sharing::shared && report.result.shared && report.result.shared->lost() > 0)
        line += fmt::format("; {} lost", report.result.shared->lost());
    if (m.tasks_failed > 0) line += fmt::format("; {} task(s) failed", m.tasks_failed);
    if (m.tasks_cancelled > 0) line += fmt::format("; {} task(s) cancelled", m.tasks_cancelled);
    return line;
}

}  // namespace tasklab::format
