#include "format/cells.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tasklab::format::detail {

std::string scenario_line(const comparison& c) {
    const auto& s = c.settings;
    std::vector<std::string> params;
    for (const auto& [name, value] : s.params.all())
        std::visit([&](const auto& v) { params.push_back(fmt::format("{}={}", name, v)); }, value);
    std::string line = fmt::format("{} x {} task{}  seed {}  time scale {} (1 simulated s = {} s)", s.task, s.tasks,
                                   s.tasks == 1 ? "" : "s", s.seed, s.time_scale, s.time_scale);
    if (!params.empty()) line += fmt::format("  {}", fmt::join(params, " "));
    if (s.memory != sharing::shared) line += fmt::format("  memory {}", to_string(s.memory));
    if (s.timeout > 0) line += fmt::format("  timeout {} simulated s", s.timeout);
    if (c.stopped_by.empty())
        line += fmt::format("  {} run{}", c.runs, c.runs == 1 ? "" : "s");
    else
        line += fmt::format("  {} of {} run{} complete (stopped by {})", c.complete_runs(), c.runs,
                            c.runs == 1 ? "" : "s", c.stopped_by);
    if (c.warmup > 0) line += fmt::format(" after {} warm-up{}", c.warmup, c.warmup == 1 ? "" : "s");
    return line;
}

table_text main_table(const comparison& c) {
    const bool many = several_runs(c);
    bool any_shared = false, any_check = false;
    for (const auto& r : c.results) {
        any_shared = any_shared || r.representative().result.shared.has_value();
        any_check = any_check || !r.representative().result.check.empty();
    }
    table_text t;
    t.headers = {"backend", many ? "wall (mean ± σ)" : "wall"};
    if (many) t.headers.push_back("min … max");
    const bool any_cancelled = std::any_of(c.results.begin(), c.results.end(), [](const backend_runs& r) {
        return std::any_of(r.metrics.begin(), r.metrics.end(), [](const run_metrics& m) { return m.tasks_cancelled > 0; });
    });
    for (auto h : {"cpu", "concurrency", "parallelism", "in flight", "ok", "failed"}) t.headers.push_back(h);
    if (any_cancelled) t.headers.push_back("cancelled");
    t.headers.push_back("value");
    if (any_shared)
        for (auto h : {"expected", "actual", "lost"}) t.headers.push_back(h);
    if (any_check) t.headers.push_back("check");
    t.left.assign(t.headers.size(), false);
    t.left[0] = true;
    if (any_check) t.left.back() = true;

    for (const auto& r : c.results) {
        const auto wall = r.stats(&run_metrics::wall_s);
        const auto medians = r.medians();
        const auto median = [&](double run_metrics::*m) { return medians.*m; };
        const auto& rep = r.representative();
        const auto& m = r.representative_metrics();
        std::vector<std::string> row{r.backend};
        if (many) {
            row.push_back(fmt::format("{} ± {}", duration_text(wall.mean), duration_text(wall.stddev)));
            row.push_back(fmt::format("{} … {}", duration_text(wall.min), duration_text(wall.max)));
        } else {
            row.push_back(duration_text(wall.median));
        }
        row.push_back(duration_text(median(&run_metrics::cpu_s)));
        row.push_back(fmt::format("{:.2f}", median(&run_metrics::concurrency)));
        row.push_back(fmt::format("{:.2f}", median(&run_metrics::parallelism)));
        row.push_back(fmt::format("{}", m.max_in_flight));
        row.push_back(fmt::format("{}", m.tasks_ok));
        row.push_back(fmt::format("{}", m.tasks_failed));
        if (any_cancelled) row.push_back(fmt::format("{}", m.tasks_cancelled));
        row.push_back(rep.result.value ? fmt::format("{}", *rep.result.value) : "-");
        if (any_shared) {
            const auto& s = rep.result.shared;
            row.push_back(s ? fmt::format("{}", s->expected) : "-");
            row.push_back(s ? fmt::format("{}", s->actual) : "-");
            row.push_back(s ? fmt::format("{}", s->lost()) : "-");
        }
        if (any_check) row.push_back(check_cell(rep.result));
        t.rows.push_back(std::move(row));
    }
    return t;
}

table_text resources_table(const comparison& c) {
    // A server of the task type's own (fetch's embedded one) gets its own column: its CPU is
    // not in the cpu column, which is the run's processes'.
    const bool any_server = std::any_of(c.results.begin(), c.results.end(), [](const backend_runs& r) {
        return r.medians().server_cpu_s >= 0;
    });
    table_text t;
    t.headers = {"backend", "heartbeat lag max", "lag p99", "task cpu", "peak memory", "children max / sum",
                 "switches vol / invol"};
    if (any_server) t.headers.push_back("server cpu");
    t.left.assign(t.headers.size(), false);
    t.left[0] = true;
    for (const auto& r : c.results) {
        const auto medians = r.medians();
        const auto median = [&](double run_metrics::*m) { return medians.*m; };
        const double child_max = median(&run_metrics::children_max_rss_mib);
        t.rows.push_back({r.backend, duration_text(median(&run_metrics::heartbeat_max_lag_s)),
                          duration_text(median(&run_metrics::heartbeat_p99_lag_s)), duration_text(median(&run_metrics::task_cpu_s)),
                          mib_text(median(&run_metrics::peak_rss_mib)),
                          child_max < 0 ? "-"
                                        : fmt::format("{} / {}", mib_text(child_max),
                                                      mib_text(median(&run_metrics::children_sum_rss_mib))),
                          fmt::format("{:.0f} / {:.0f}", median(&run_metrics::voluntary_switches),
                                      median(&run_metrics::involuntary_switches))});
        if (any_server) t.rows.back().push_back(duration_text(median(&run_metrics::server_cpu_s)));
    }
    return t;
}

namespace {
// Display width: the table's only multi-byte characters are '±', '…' and 'µ', one column each.
std::size_t width_of(const std::string& s) {
    std::size_t w = 0;
    for (unsigned char ch : s)
        if ((ch & 0xC0) != 0x80) ++w;
    return w;
}
}  // namespace

std::string aligned(const table_text& t, const std::string& header_on, const std::string& header_off) {
    std::vector<std::size_t> widths(t.headers.size());
    for (std::size_t c = 0; c < t.headers.size(); ++c) {
        widths[c] = width_of(t.headers[c]);
        for (const auto& row : t.rows) widths[c] = std::max(widths[c], width_of(row[c]));
    }
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            if (c) out += "  ";
            const std::string pad(widths[c] - width_of(cells[c]), ' ');
            out += t.left[c] ? cells[c] + pad : pad + cells[c];
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out + "\n";
    };
    std::string out = header_on + line(t.headers);
    if (!header_off.empty()) out.insert(out.size() - 1, header_off);
    for (const auto& row : t.rows) out += line(row);
    return out;
}

std::vector<std::string> load_lines(const comparison& c) {
    const auto& load = c.load;
    if (load.before < 0 || load.after < 0) return {};
    std::vector<std::string> out{fmt::format("1-minute load average: {:.2f} before, {:.2f} after ({} core{} usable)",
                                             load.before, load.after, load.cores, load.cores == 1 ? "" : "s")};
    if (load.busy())
        out.push_back("other programs kept the cores busy: the parallelism figures are lower bounds, and the times "
                      "may be longer than on an idle machine");
    return out;
}

bool several_runs(const comparison& c) {
    return std::any_of(c.results.begin(), c.results.end(), [](const backend_runs& r) { return r.runs.size() > 1; });
}

std::vector<std::string> cut_short_lines(const backend_runs& r) {
    const auto line = [](const run_report& rep, const run_metrics& m, std::string_view what) {
        return fmt::format("{} cut short by {} after {}: {} ok, {} failed, {} cancelled or not started", what,
                           rep.stopped_by, duration_text(m.wall_s), m.tasks_ok, m.tasks_failed, m.tasks_cancelled);
    };
    if (!r.stopped.empty())
        return {line(r.stopped.front(), r.stopped_metrics.front(),
                     fmt::format("run {}", r.runs.size() + 1)) + "; left out of the figures above"};
    if (!r.runs.empty() && !r.runs.back().stopped_by.empty())
        return {line(r.runs.back(), r.metrics.back(), "its only run was") + ": the figures above are partial"};
    return {};
}

std::string check_cell(const outcome& result) {
    if (result.check.empty()) return "-";
    return fmt::format("{}: {}", result.check_passed ? "passed" : "FAILED", result.check);
}

std::vector<std::string> unclean_runs(const backend_runs& r) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < r.runs.size(); ++i) {
        const auto& m = r.metrics[i];
        const auto& result = r.runs[i].result;
        std::vector<std::string> how;
        if (m.tasks_failed > 0) how.push_back(fmt::format("{} task(s) failed", m.tasks_failed));
        if (m.tasks_cancelled > 0) how.push_back(fmt::format("{} task(s) cancelled", m.tasks_cancelled));
        if (!result.check_passed) {
            auto failed = fmt::format("check failed: {}", result.check);
            if (result.shared && result.shared->lost() != 0) failed += fmt::format(" ({} lost)", result.shared->lost());
            how.push_back(std::move(failed));
        }
        if (!how.empty())
            out.push_back(fmt::format("run {} of {}: {}", i + 1, r.runs.size(), fmt::join(how, "; ")));
    }
    return out;
}

std::vector<std::string> ranking_lines(const comparison& c) {
    // A ratio of two runs that were mostly setup and teardown compares the machinery, not the
    // models: it is printed, and said so.
    const auto too_short = [&](const std::string& backend) {
        for (const auto& r : c.results)
            if (r.backend == backend && !r.runs.empty()) return judge(r.medians()).why_not == unjudged::too_short;
        return false;
    };
    std::vector<std::string> out;
    for (const auto& s : rank_by_wall(c)) {
        auto line = several_runs(c) ? fmt::format("{} ran {:.2f} ± {:.2f} times faster than {}", s.faster, s.ratio.ratio,
                                             s.ratio.stddev, s.slower)
                               : fmt::format("{} ran {:.2f} times faster than {}", s.faster, s.ratio.ratio, s.slower);
        if (too_short(s.faster) || too_short(s.slower)) line += " (too short to judge)";
        out.push_back(std::move(line));
    }
    return out;
}

}  // namespace tasklab::format::detail
