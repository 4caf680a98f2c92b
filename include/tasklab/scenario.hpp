#pragma once
// A scenario: a task type, its parameters, how many tasks, and the seed and time scale that
// make a run reproducible. Built and checked once, before any backend sees it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tasklab/faults.hpp"
#include "tasklab/params.hpp"
#include "tasklab/shared.hpp"

namespace tasklab {

class task_type;
class workload;

struct scenario_settings {
    std::string task;             // task type name
    std::size_t tasks = 1;
    std::uint64_t seed = 1;
    double time_scale = 0.1;      // real seconds per simulated second; the lesson's is 1
    param_values params;
    sharing memory = sharing::shared;
    /// Per task, in simulated seconds like every wait (scaled by time_scale); 0: no limit.
    /// A task still running at its deadline is cancelled (docs/failures.md).
    double timeout = 0;
    /// Tasks that fail, crash, hang or spin on purpose (see faults.hpp); none by default.
    fault_plan faults;
    /// The workers of the backends that have a fixed number (pool): threads or processes.
    /// 0: one per core (workers_of).
    std::size_t workers = 0;
};

/// settings.workers, or the number of cores when it is 0.
std::size_t workers_of(const scenario_settings& settings) noexcept;

/// Limits applied to every scenario; backends may have tighter ones (backend::task_limit).
inline constexpr std::size_t max_tasks = 1'000'000;
inline constexpr double max_time_scale = 1000.0;
inline constexpr double max_timeout = 1e9;  // simulated seconds
inline constexpr std::size_t max_workers = 4096;

struct scenario {
    scenario_settings settings;
    std::shared_ptr<const workload> work;
};

/// Parameter values as a user types them: (name, text), e.g. {"sync", "none"}.
using param_texts = std::vector<std::pair<std::string, std::string>>;

/// Checks the settings (throws usage_error) and lets the task type build its workload.
/// `params`, when given, are set over the type's defaults (each checked against its spec).
scenario make_scenario(const task_type& type, scenario_settings settings, const param_texts& params = {});

}  // namespace tasklab
