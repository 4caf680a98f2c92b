#include "tasklab/format/json.hpp"

#include <nlohmann/json.hpp>

#include "tasklab/version.hpp"

namespace tasklab::format {
namespace {

using nlohmann::json;

json params_json(const param_values& params) {
    json out = json::object();
    for (const auto& [name, value] : params.all()) std::visit([&](const auto& v) { out[name] = v; }, value);
    return out;
}

json or_null(double v) { return v < 0 ? json(nullptr) : json(v); }

json record_json(const task_record& r) {
    json out{{"index", r.index},
             {"start_s", static_cast<double>(r.start_ns) / 1e9},
             {"end_s", static_cast<double>(r.end_ns) / 1e9},
             {"worker", r.worker},
             {"status", std::string(to_string(r.status))},
             {"value", r.value},
             {"cpu_s", r.cpu_ns < 0 ? json(nullptr) : json(static_cast<double>(r.cpu_ns) / 1e9)}};
    if (!r.started) out["started"] = false;
    if (!r.error.empty()) out["error"] = r.error;
    if (!r.waits.empty() || r.waits_truncated) {
        json waits = json::array();
        for (const auto& w : r.waits)
            waits.push_back({{"kind", std::string(to_string(w.kind))},
                             {"start_s", static_cast<double>(w.start_ns) / 1e9},
                             {"end_s", static_cast<double>(w.end_ns) / 1e9}});
        out["waits"] = std::move(waits);
        if (r.waits_truncated) out["waits_truncated"] = true;
    }
    return out;
}

json stats_json(const summary_stats& s) {
    if (s.n == 0) return nullptr;  // no run could measure it
    return {{"n", s.n}, {"mean", s.mean}, {"stddev", s.stddev}, {"median", s.median}, {"min", s.min}, {"max", s.max}};
}

json result_json(const backend_runs& r) {
    const auto& rep = r.representative();
    const auto& m = r.representative_metrics();
    const auto medians = r.medians();
    const auto median = [&](double run_metrics::*member) { return medians.*member; };
    const auto v = judge(r.medians());  // the same figures as the top-level keys
    json out{{"backend", r.backend},
             {"wall_s", median(&run_metrics::wall_s)},
             {"cpu_s", median(&run_metrics::cpu_s)},
             {"task_time_s", median(&run_metrics::task_time_s)},
             {"longest_task_s", m.longest_task_s},
             {"concurrency", median(&run_metrics::concurrency)},
             {"parallelism", median(&run_metrics::parallelism)},
             {"task_cpu_s", or_null(median(&run_metrics::task_cpu_s))},
             {"max_in_flight", m.max_in_flight},
             {"tasks_ok", m.tasks_ok},
             {"tasks_failed", m.tasks_failed},
             {"tasks_cancelled", m.tasks_cancelled},
             {"memory", std::string(to_string(rep.memory))},
             {"window_s", medians.window_s},
             {"fixed_cost_s", medians.fixed_cost_s},
             {"verdict",
              {{"judged", v.why_not == unjudged::no},
               {"why_not", v.why_not == unjudged::no ? json(nullptr) : json(std::string(to_string(v.why_not)))},
               {"concurrent", v.concurrent},
               {"parallel", v.parallel}}},
             {"heartbeat",
              {{"max_lag_s", median(&run_metrics::heartbeat_max_lag_s)},
               {"p99_lag_s", median(&run_metrics::heartbeat_p99_lag_s)},
               {"ticks", rep.heartbeat.ticks}}},
             {"resources",
              {{"peak_rss_mib", or_null(median(&run_metrics::peak_rss_mib))},
               {"peak_rss_scope", rep.usage.peak_rss_scope},
               {"children_max_rss_mib", or_null(median(&run_metrics::children_max_rss_mib))},
               {"children_sum_rss_mib", or_null(median(&run_metrics::children_sum_rss_mib))},
               {"voluntary_switches", median(&run_metrics::voluntary_switches)},
               {"involuntary_switches", median(&run_metrics::involuntary_switches)},
               {"server_cpu_s", or_null(median(&run_metrics::server_cpu_s))}}}};
    out["value"] = rep.result.value ? json(*rep.result.value) : json(nullptr);
    if (rep.result.shared) {
        const auto& s = *rep.result.shared;
        out["shared"] = {{"expected", s.expected}, {"actual", s.actual}, {"lost", s.lost()}, {"note", s.note}};
    } else {
        out["shared"] = nullptr;
    }
    out["check"] = rep.result.check.empty() ? json(nullptr)
                                            : json{{"text", rep.result.check}, {"passed", rep.result.check_passed}};

    json stats = json::object();
    for (const auto& f : figures()) stats[std::string(f.name)] = stats_json(r.stats(f.member));
    out["statistics"] = std::move(stats);
    const auto run_json = [](const run_metrics& rm) {
        json run = json::object();
        for (const auto& f : figures()) run[std::string(f.name)] = or_null(rm.*(f.member));
        run["max_in_flight"] = rm.max_in_flight;
        run["tasks_ok"] = rm.tasks_ok;
        run["tasks_failed"] = rm.tasks_failed;
        run["tasks_cancelled"] = rm.tasks_cancelled;
        return run;
    };
    json runs = json::array();
    for (const auto& rm : r.metrics) runs.push_back(run_json(rm));
    out["runs"] = std::move(runs);
    // A run a stop cut short after complete ones: its own figures, in none of the above.
    out["stopped_run"] = r.stopped_metrics.empty() ? json(nullptr) : run_json(r.stopped_metrics.front());
    out["representative_run"] = static_cast<std::size_t>(&rep - r.runs.data());
    json records = json::array();
    for (const auto& rec : rep.records) records.push_back(record_json(rec));
    out["records"] = std::move(records);
    return out;
}

}  // namespace

std::string json(const comparison& c) {
    nlohmann::json results = nlohmann::json::array();
    for (const auto& r : c.results) results.push_back(result_json(r));
    const auto& s = c.settings;
    nlohmann::json doc{{"tool", "tasklab"},
                       {"version", version},
                       {"scenario",
                        {{"task", s.task},
                         {"tasks", s.tasks},
                         {"seed", s.seed},
                         {"time_scale", s.time_scale},
                         {"memory", std::string(to_string(s.memory))},
                         {"runs", c.runs},
                         {"warmup", c.warmup},
                         {"timeout", s.timeout > 0 ? nlohmann::json(s.timeout) : nlohmann::json(nullptr)},
                         {"workers", workers_of(s)},
                         {"params", params_json(s.params)}}},
                       {"stopped_by", c.stopped_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.stopped_by)},
                       {"machine",
                        {{"load_average_before", c.load.before < 0 ? nlohmann::json(nullptr) : nlohmann::json(c.load.before)},
                         {"load_average_after", c.load.after < 0 ? nlohmann::json(nullptr) : nlohmann::json(c.load.after)},
                         {"cores", c.load.cores},
                         {"busy", c.load.busy()}}},
                       {"results", std::move(results)}};
    return doc.dump(2) + "\n";
}

}  // namespace tasklab::format
