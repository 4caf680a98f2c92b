#pragma once
// A terminal Gantt chart per backend: time runs left to right across the terminal, one row
// per task (or per group of tasks when there are more than fit), and each cell shows whether
// the task was running, interleaved with others, or waiting.
#include <cstddef>
#include <string>

#include "tasklab/comparison.hpp"

namespace tasklab::format {

struct timeline_style {
    std::size_t width = 100;    // terminal columns for the whole line, labels included
    std::size_t max_rows = 20;  // more tasks than this are shown as groups of tasks
    bool colour = false;
};

/// Uses each backend's representative run; wait spans must have been recorded
/// (run_options::record_waits), or every task shows as running from start to end.
///
/// Per backend: a title (backend, wall time, peak in flight), one row per task - or per group
/// of consecutive tasks when there are more than max_rows - an "in flight" sparkline and a
/// time axis 0..wall (each backend on its own scale). A cell is an equal slice of time and
/// shows, integrated over the slice, the state that filled most of it: '█' running, '▒'
/// interleaved, '░' waiting (sleep, lock), ' ' not in flight (a group row: the state with the
/// most task-time, blank only when none of its tasks was in flight). A task shorter than half
/// a cell still gets one cell; a failed or cancelled task gets '✗' where it ended. A legend
/// ends the output. No line is wider than `width` (one column per code point); ANSI colour
/// only when `colour`.
std::string timeline(const comparison& c, timeline_style style = {});

}  // namespace tasklab::format
