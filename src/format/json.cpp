#include "tasklab/format/json.hpp"

#include <nlohmann/json.hpp>

#include "tasklab/metrics.hpp"
#include "tasklab/version.hpp"

namespace tasklab::format {
namespace {

using nlohmann::json;

json params_json(const param_values& params) {
    json out = json::object();
    for (const auto& [name, value] : params.all()) std::visit([&](const auto& v) { out[name] = v; }, value);
    return out;
}

json record_json(const task_record& r) {
    json out{{"index", r.index},
             {"start_s", static_cast<double>(r.start_ns) / 1e9},
             {"end_s", static_cast<double>(r.end_ns) / 1e9},
             {"worker", r.worker},
             {"status", std::string(to_string(r.status))},
             {"value", r.value}};
    if (!r.started) out["started"] = false;
    if (!r.error.empty()) out["error"] = r.error;
    return out;
}

json result_json(const run_report& r) {
    const auto m = measure(r);
    const auto v = judge(m);
    json out{{"backend", r.backend},
             {"wall_s", m.wall_s},
             {"cpu_s", m.cpu_s},
             {"task_time_s", m.task_time_s},
             {"longest_task_s", m.longest_task_s},
             {"concurrency", m.concurrency},
             {"parallelism", m.parallelism},
             {"max_in_flight", m.max_in_flight},
             {"tasks_ok", m.tasks_ok},
             {"tasks_failed", m.tasks_failed},
             {"memory", std::string(to_string(r.memory))},
             {"verdict", {{"concurrent", v.concurrent}, {"parallel", v.parallel}}}};
    out["value"] = r.result.value ? json(*r.result.value) : json(nullptr);
    if (r.result.shared) {
        const auto& s = *r.result.shared;
        out["shared"] = {{"expected", s.expected}, {"actual", s.actual}, {"lost", s.lost()}, {"note", s.note}};
    } else {
        out["shared"] = nullptr;
    }
    out["check"] = r.result.check.empty() ? json(nullptr)
                                          : json{{"text", r.result.check}, {"passed", r.result.check_passed}};
    json records = json::array();
    for (const auto& rec : r.records) records.push_back(record_json(rec));
    out["records"] = std::move(records);
    return out;
}

}  // namespace

std::string json(const scenario_settings& settings, std::span<const run_report> reports) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& r : reports) results.push_back(result_json(r));
    nlohmann::json doc{{"tool", "tasklab"},
                       {"version", version},
                       {"scenario",
                        {{"task", settings.task},
                         {"tasks", settings.tasks},
                         {"seed", settings.seed},
                         {"time_scale", settings.time_scale},
                         {"memory", std::string(to_string(settings.memory))},
                         {"params", params_json(settings.params)}}},
                       {"results", std::move(results)}};
    return doc.dump(2) + "\n";
}

}  // namespace tasklab::format
