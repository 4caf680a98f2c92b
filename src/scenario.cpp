#include "tasklab/scenario.hpp"

#include <fmt/format.h>

#include <cmath>

#include "tasklab/errors.hpp"
#include "tasklab/task.hpp"

namespace tasklab {

scenario make_scenario(const task_type& type, scenario_settings settings, const param_texts& params) {
    if (settings.tasks == 0 || settings.tasks > max_tasks)
        throw usage_error(fmt::format("--tasks: expected 1 to {}, got {}", max_tasks, settings.tasks));
    if (!std::isfinite(settings.time_scale) || settings.time_scale <= 0 || settings.time_scale > max_time_scale)
        throw usage_error(fmt::format("--time-scale: expected a number above 0 and at most {}, got {}",
                                      max_time_scale, settings.time_scale));
    settings.task = std::string(type.name());
    if (settings.params.specs().empty() && !type.params().empty()) settings.params = param_values(type.params());
    for (const auto& [name, text] : params) settings.params.set(name, text);
    auto work = type.make(settings);
    return scenario{std::move(settings), std::shared_ptr<const workload>(std::move(work))};
}

}  // namespace tasklab
