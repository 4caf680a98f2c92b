#include "tasklab/format/conclusions.hpp"

#include <fmt/format.h>

namespace tasklab::format {

std::string verdict_line(const run_report& report) { return verdict_line(measure(report), report); }

std::string verdict_line(const run_metrics& m, const run_report& report) {
    const auto v = judge(m);
    std::string line;
    if (v.concurrent)
        line = fmt::format("tasks overlapped ({:.1f} in flight on average)", m.concurrency);
    else
        line = fmt::format("one task at a time ({:.2f} in flight on average)", m.concurrency);
    line += fmt::format(", {:.2f} cores busy: ", m.parallelism);
    if (v.concurrent && v.parallel)
        line += "concurrent and parallel";
    else if (v.concurrent)
        line += "concurrent, not parallel";
    else if (v.parallel)
        line += "parallel";
    else
        line += "neither concurrent nor parallel";
    // With private copies the parent's shortfall is the point, not lost updates.
    if (report.memory == sharing::shared && report.result.shared && report.result.shared->lost() > 0)
        line += fmt::format("; {} lost", report.result.shared->lost());
    if (m.tasks_failed > 0) line += fmt::format("; {} task(s) failed", m.tasks_failed);
    if (m.tasks_cancelled > 0) line += fmt::format("; {} task(s) cancelled", m.tasks_cancelled);
    return line;
}

}  // namespace tasklab::format
