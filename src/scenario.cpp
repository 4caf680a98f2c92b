#include "tasklab/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <thread>
#include <utility>

#include "faults_workload.hpp"
#include "tasklab/errors.hpp"
#include "tasklab/task.hpp"

namespace tasklab {
namespace {

void check_indices(const char* option, const std::vector<std::size_t>& indices, std::size_t tasks) {
    for (auto i : indices)
        if (i >= tasks)
            throw usage_error(fmt::format("`{}` {}: tasks are numbered 0 to {}", option, i, tasks - 1));
}

void check_faults(const scenario_settings& s) {
    const auto& f = s.faults;
    check_indices("fail", f.fail, s.tasks);
    check_indices("crash", f.crash, s.tasks);
    check_indices("hang", f.hang, s.tasks);
    check_indices("spin", f.spin, s.tasks);
    // A task has one fault at a time: two would hide each other (a hang never reaches its crash).
    const std::pair<const char*, const std::vector<std::size_t>*> lists[] = {
        {"fail", &f.fail}, {"crash", &f.crash}, {"hang", &f.hang}, {"spin", &f.spin}};
    for (std::size_t a = 0; a < std::size(lists); ++a)
        for (std::size_t b = a + 1; b < std::size(lists); ++b)
            for (const auto i : *lists[a].second)
                if (std::find(lists[b].second->begin(), lists[b].second->end(), i) != lists[b].second->end())
                    throw usage_error(fmt::format("`{}` {} and `{}` {}: a task has one fault at a time, and the first "
                                                  "would hide the second; name task {} in one of them",
                                                  lists[a].first, i, lists[b].first, i, i));
    if (!(f.fail_rate >= 0 && f.fail_rate <= 1))
        throw usage_error(fmt::format("`fail-rate`: expected a probability from 0 to 1, got {}", f.fail_rate));
    if (!f.crash.empty() && f.crash_signal <= 0)
        throw usage_error("`crash-signal`: expected one of SEGV, KILL, ABRT, BUS, FPE, ILL, TERM");
    if ((!f.hang.empty() || !f.spin.empty()) && s.timeout <= 0)
        throw usage_error(fmt::format("`{}` {}: that task would never end by itself; give it a `timeout` so the run ends",
                                      f.hang.empty() ? "spin" : "hang", f.hang.empty() ? f.spin[0] : f.hang[0]));
}

}  // namespace

std::size_t workers_of(const scenario_settings& settings) noexcept {
    return settings.workers != 0 ? settings.workers : std::max(1u, std::thread::hardware_concurrency());
}

scenario make_scenario(const task_type& type, scenario_settings settings, const param_texts& params) {
    if (settings.tasks == 0 || settings.tasks > max_tasks)
        throw usage_error(fmt::format("`tasks`: expected 1 to {}, got {}", max_tasks, settings.tasks));
    if (!std::isfinite(settings.time_scale) || settings.time_scale <= 0 || settings.time_scale > max_time_scale)
        throw usage_error(fmt::format("`time-scale`: expected a number above 0 and at most {}, got {}",
                                      max_time_scale, settings.time_scale));
    if (!std::isfinite(settings.timeout) || settings.timeout < 0 || settings.timeout > max_timeout)
        throw usage_error(fmt::format("`timeout`: expected simulated seconds from 0 (none) to {:g}, got {}", max_timeout,
                                      settings.timeout));
    if (settings.workers > max_workers)
        throw usage_error(fmt::format("`workers`: expected 1 to {} (or 0: one per core), got {}", max_workers,
                                      settings.workers));
    settings.task = std::string(type.name());
    if (settings.params.specs().empty() && !type.params().empty()) settings.params = param_values(type.params());
    for (const auto& [name, text] : params) settings.params.set(name, text);
    check_faults(settings);
    std::shared_ptr<const workload> work = type.make(settings);
    if (!settings.faults.empty()) work = std::make_shared<detail::faulty_workload>(std::move(work), settings.faults);
    return scenario{std::move(settings), std::move(work)};
}

}  // namespace tasklab
