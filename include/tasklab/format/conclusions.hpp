#pragma once
// One-line conclusions drawn from measured numbers, for the table and the demo.
#include <span>
#include <string>

#include "tasklab/report.hpp"

namespace tasklab::format {

/// What one run shows: "5.6 tasks in flight on average on 0.00 cores: concurrent, not parallel".
std::string verdict_line(const run_report& report);

/// How the runs compare on wall time, and what the shared state says, e.g.
/// "coroutine finished 5.6x sooner than sequential: the waits overlapped".
std::string comparison_line(std::span<const run_report> reports);

}  // namespace tasklab::format
