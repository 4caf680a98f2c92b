#pragma once
// One-line conclusions drawn from measured numbers, for the table and the demo.
#include <string>

#include "tasklab/metrics.hpp"
#include "tasklab/report.hpp"

namespace tasklab::format {

/// What one run shows: "tasks overlapped (5.6 in flight on average), 0.00 cores busy:
/// concurrent, not parallel".
std::string verdict_line(const run_report& report);
/// The same from given figures (e.g. medians over runs); lost updates and failures come from
/// `report`.
std::string verdict_line(const run_metrics& m, const run_report& report);

}  // namespace tasklab::format
