#pragma once
// What a run produces: one record per task and the run's raw measurements. Everything the
// reports show is derived from these by metrics.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tasklab/shared.hpp"

namespace tasklab {

enum class task_status : std::uint8_t { ok, failed, cancelled };
std::string_view to_string(task_status s) noexcept;

struct task_record {
    std::uint32_t index = 0;
    std::int64_t start_ns = 0;  // since the run's start, monotonic clock
    std::int64_t end_ns = 0;
    std::int64_t worker = 0;    // OS thread id (gettid) in-process, pid for fork
    task_status status = task_status::failed;
    std::int64_t value = 0;
    std::string error;          // empty unless failed
    bool started = false;       // false: the task never began (thread or child not created)
};

/// Shared state after the run: what the tasks should have produced and what is there.
struct shared_outcome {
    std::int64_t expected = 0;
    std::int64_t actual = 0;
    std::int64_t lost() const noexcept { return expected - actual; }
    std::string note;  // e.g. "each child changed its own copy"
};

/// What a task type concludes from the records and the shared state.
struct outcome {
    std::optional<std::int64_t> value;          // the reduced value
    std::optional<shared_outcome> shared;
    std::string check;                          // e.g. "= n(n+1)/2"; empty when nothing to check
    bool check_passed = true;
};

struct run_report {
    std::string backend;
    std::int64_t wall_ns = 0;   // run start .. last task's end
    double cpu_s = 0;           // user+sys of the process and its reaped children over the run
    sharing memory = sharing::shared;
    std::vector<task_record> records;
    outcome result;
};

}  // namespace tasklab
