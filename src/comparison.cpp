#include "tasklab/comparison.hpp"

#include <algorithm>
#include <numeric>

#include "tasklab/errors.hpp"

namespace tasklab {

const std::vector<figure>& figures() {
    static const std::vector<figure> all{
        {"wall_s", &run_metrics::wall_s},
        {"cpu_s", &run_metrics::cpu_s},
        {"task_time_s", &run_metrics::task_time_s},
        {"concurrency", &run_metrics::concurrency},
        {"parallelism", &run_metrics::parallelism},
        {"task_cpu_s", &run_metrics::task_cpu_s},
        {"heartbeat_max_lag_s", &run_metrics::heartbeat_max_lag_s},
        {"heartbeat_p99_lag_s", &run_metrics::heartbeat_p99_lag_s},
        {"peak_rss_mib", &run_metrics::peak_rss_mib},
        {"children_max_rss_mib", &run_metrics::children_max_rss_mib},
        {"children_sum_rss_mib", &run_metrics::children_sum_rss_mib},
        {"voluntary_switches", &run_metrics::voluntary_switches},
        {"involuntary_switches", &run_metrics::involuntary_switches},
        {"server_cpu_s", &run_metrics::server_cpu_s},
    };
    return all;
}

summary_stats backend_runs::stats(double run_metrics::*member) const {
    // Every figure is a duration, a ratio, a size or a count: a negative value means "could not
    // be measured" and is left out, so n says how many runs measured it.
    std::vector<double> values;
    values.reserve(metrics.size());
    for (const auto& m : metrics)
        if (m.*member >= 0) values.push_back(m.*member);
    return summarize(values);
}

run_metrics backend_runs::medians() const {
    run_metrics out = representative_metrics();
    for (const auto& f : figures()) {
        const auto s = stats(f.member);
        out.*(f.member) = s.n > 0 ? s.median : -1;
    }
    return out;
}

namespace {
std::size_t median_run(const std::vector<run_metrics>& metrics) {
    std::vector<std::size_t> order(metrics.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return metrics[a].wall_s < metrics[b].wall_s; });
    return order.empty() ? 0 : order[(order.size() - 1) / 2];
}
}  // namespace

const run_report& backend_runs::representative() const { return runs.at(median_run(metrics)); }
const run_metrics& backend_runs::representative_metrics() const { return metrics.at(median_run(metrics)); }

std::size_t comparison::complete_runs() const noexcept {
    std::size_t most = 0;
    for (const auto& r : results) {
        const bool cut = !r.runs.empty() && !r.runs.back().stopped_by.empty();
        most = std::max(most, r.runs.size() - (cut ? 1 : 0));
    }
    return most;
}

std::vector<speedup> rank_by_wall(const comparison& c) {
    std::vector<speedup> out;
    if (c.results.size() < 2) return out;
    std::vector<summary_stats> wall;
    for (const auto& r : c.results) wall.push_back(r.stats(&run_metrics::wall_s));
    const auto fastest = static_cast<std::size_t>(
        std::min_element(wall.begin(), wall.end(), [](auto& a, auto& b) { return a.mean < b.mean; }) - wall.begin());
    for (std::size_t i = 0; i < c.results.size(); ++i)
        if (i != fastest)
            out.push_back({c.results[fastest].backend, c.results[i].backend, ratio_of(wall[i], wall[fastest])});
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.ratio.ratio < b.ratio.ratio; });
    return out;
}

comparison compare(const scenario& s, std::span<const backend* const> backends, const compare_options& options) {
    if (options.runs == 0) throw usage_error("`runs`: at least one run is needed");
    for (const auto& b : backends) b->check(s);
    comparison c;
    c.load.before = load_average();
    c.load.cores = usable_cores();
    c.settings = s.settings;
    c.runs = options.runs;
    c.warmup = options.warmup;
    // A stop asked for between runs ends the comparison there; one asked for during a run
    // ends that run (its report says so) and the comparison after it.
    const auto stop_asked = [&] {
        if (c.stopped_by.empty()) c.stopped_by = stop_asked_by(options.run);
        return !c.stopped_by.empty();
    };
    // Fork runs first: a thread left running by another backend (a task that ignored its
    // stop, abandoned) would make forking unsafe for the rest of the process. The results
    // keep the order they were asked for.
    std::vector<std::size_t> order(backends.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_partition(order.begin(), order.end(), [&](std::size_t k) { return backends[k]->isolates_tasks(); });
    std::vector<backend_runs> results(backends.size());
    for (const auto k : order) {
        const auto& b = backends[k];
        auto& result = results[k];
        result.backend = std::string(b->name());
        for (std::size_t i = 0; i < options.warmup && !stop_asked(); ++i) {
            if (options.on_run) options.on_run(b->name(), i + 1, options.warmup, true);
            if (const auto r = b->run(s, options.run); !r.stopped_by.empty()) c.stopped_by = r.stopped_by;
        }
        for (std::size_t i = 0; i < options.runs && !stop_asked(); ++i) {
            if (options.on_run) options.on_run(b->name(), i + 1, options.runs, false);
            auto report = b->run(s, options.run);
            if (!report.stopped_by.empty()) c.stopped_by = report.stopped_by;
            // A run cut short is no sample of the complete ones: kept apart when there are any.
            const bool apart = !report.stopped_by.empty() && !result.runs.empty();
            auto& reports = apart ? result.stopped : result.runs;
            auto& metrics = apart ? result.stopped_metrics : result.metrics;
            metrics.push_back(measure(report));
            reports.push_back(std::move(report));
        }
        if (!c.stopped_by.empty()) break;
    }
    for (auto& r : results)
        if (!r.runs.empty()) c.results.push_back(std::move(r));
    c.load.after = load_average();
    return c;
}

}  // namespace tasklab
