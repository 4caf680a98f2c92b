#pragma once
// The Chrome Trace Event format (JSON), which Perfetto and chrome://tracing open: one "X"
// (complete) event per task and per wait, in microseconds on one time axis for all backends.
#include <string>

#include "tasklab/comparison.hpp"

namespace tasklab::format {

/// Track layout: sequential and thread tasks on their real OS thread ids, coroutine tasks on
/// one synthetic track each (they share one OS thread, named in args), fork tasks in their
/// child's real pid. Uses each backend's representative run.
///
/// Time: ts = microseconds since the earliest representative run began, so the backends
/// appear one after another as they ran. Sequential, coroutine and thread get synthetic pids
/// 1, 2, 3... in report order (skipping any pid a fork child really had); each track is named
/// by "M" metadata. Each started task is an "X" event "task <i>" (cat: the backend; args:
/// index, status, value, error, cpu_ms, params, worker) with its wait spans nested inside as
/// "X" events "sleep", "lock" or "interleaved" (cat "wait"). Tasks that never started are left
/// out. Returns {"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}.
std::string trace(const comparison& c);

}  // namespace tasklab::format
