// `tasklab bench` as text (the table style of src/format/) and as JSON.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "bench/bench.hpp"
#include "format/cells.hpp"
#include "tasklab/version.hpp"

namespace tasklab::bench {

std::string grouped(std::size_t n) {
    if (n == static_cast<std::size_t>(-1)) return "unknown";
    std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

namespace {

using format::detail::aligned;
using format::detail::table_text;

std::string time_text(double ns) {
    if (ns < 0) return "-";
    if (ns < 1000) return fmt::format("{:.3g} ns", ns);
    return duration_text(ns * 1e-9);
}

std::string times_text(double ratio) { return ratio > 0 ? fmt::format("{:.2f}x", ratio) : "-"; }

std::string memory_cell(const side& s) { return s.memory_bytes.n ? bytes_text(s.memory_bytes.median) : "-"; }

std::string spread(const summary_stats& st) {
    return fmt::format("{} … {}", time_text(st.min), time_text(st.max));
}

std::string failures(const side& s) {
    return s.failed ? fmt::format("  ({} failed: {})", s.failed, s.error) : std::string{};
}

/// The run's notes, then "what: note" for each figure's, under a heading; nothing when there
/// is no note.
std::string notes_text(const results& r, const std::vector<std::pair<std::string, std::string>>& figures,
                       const std::string& bold, const std::string& reset) {
    if (r.notes.empty() && figures.empty()) return {};
    std::string out = fmt::format("\n{}notes{} (where a figure may not say what it seems to)\n", bold, reset);
    for (const auto& note : r.notes) out += fmt::format("  {}\n", note);
    for (const auto& [what, note] : figures) out += fmt::format("  {}: {}\n", what, note);
    return out;
}

/// A million waiting tasks: their wall time beyond the wait and the process's peak, both
/// sides beside each other.
std::string waiting_table(const case_result& c, const std::string& bold, const std::string& reset) {
    std::string out = fmt::format("\n{}{} {}{}, beyond their {:.2f} s wait (medians)\n", bold, c.backend, c.label,
                                  reset, static_cast<double>(c.subtract_ns) * 1e-9);
    table_text t;
    t.headers = {"run", "wall time", "peak resident set"};
    t.left = {true, false, false};
    const auto tasks = static_cast<double>(c.spec.tasks);
    const auto row = [&](const side& s) {
        t.rows.push_back({s.name + failures(s), time_text(s.time_ns.median * tasks),
                          s.peak_mib.n ? bytes_text(s.peak_mib.median * 1024 * 1024) : "-"});
    };
    row(c.tasklab);
    for (const auto& s : c.raw) {
        row(s);
        const double peak = s.peak_mib.n && c.tasklab.peak_mib.n && s.peak_mib.median > 0
                                ? c.tasklab.peak_mib.median / s.peak_mib.median
                                : 0;
        t.rows.push_back({"tasklab ÷ " + s.name, times_text(time_ratio(c.tasklab, s)), times_text(peak)});
    }
    return out + aligned(t, bold, reset);
}

/// The compute split against the same sum on one core, tasklab's and the bare mechanisms'.
std::string speedup_table(const std::vector<speedup>& splits, const std::string& bold, const std::string& reset) {
    if (splits.empty()) return {};
    std::string out = fmt::format(
        "\n{}compute: speed-up of the split over one core{} (medians of wall time: tasklab against sequential "
        "through tasklab, the bare mechanisms against the plain loop)\n",
        bold, reset);
    table_text t;
    t.headers = {"backend", "parts", "run", "speed-up", "cpu / wall"};
    t.left = {true, false, true, false, false};
    for (const auto& x : splits) {
        bool first = true;
        for (const auto& e : x.sides) {
            t.rows.push_back({first ? x.backend : "", first ? std::to_string(x.parts) : "", e.name, times_text(e.value),
                              e.cores_busy >= 0 ? fmt::format("{:.2f}", e.cores_busy) : "-"});
            first = false;
        }
    }
    return out + aligned(t, bold, reset);
}

std::string bench_table(const results& r, const std::string& bold, const std::string& reset) {
    std::string out = fmt::format(
        "{}tasklab bench: tasklab against the same mechanism without it, {} round{} alternating the two, {} "
        "core{}, {:.1f} s{}\n",
        bold, r.rounds_done, r.rounds_done == 1 ? "" : "s", r.cores, r.cores == 1 ? "" : "s", r.elapsed_s, reset);
    if (!r.rounds_note.empty()) out += fmt::format("({})\n", r.rounds_note);
    out += fmt::format("1-minute load average: {:.2f} before, {:.2f} after (other programs on this machine)\n",
                       r.load_before, r.load_after);
    out += "time / task: a batch's wall time / N (waiting tasks: less their wait); median over the rounds, σ, "
           "min … max\n"
           "memory / task: growth of this process's peak resident set / N; fork: each child's peak (mean)\n"
           "cpu / wall: the batch's CPU time (process and reaped children) / its wall time: cores kept busy\n"
           "tasklab ÷: tasklab's median / this baseline's median\n\n";
    table_text t;
    t.headers = {"backend", "task",          "N",         "run",         "time / task", "± σ", "min … max",
                 "cpu / wall", "memory / task", "tasklab ÷ time", "÷ memory"};
    t.left = {true, true, false, true, false, false, false, false, false, false, false};
    const auto busy = [](const side& s) { return s.cores_busy.n ? fmt::format("{:.2f}", s.cores_busy.median) : "-"; };
    for (const auto& c : r.cases) {
        t.rows.push_back({c.backend, c.label, grouped(c.spec.tasks), "tasklab" + failures(c.tasklab),
                          time_text(c.tasklab.time_ns.median), time_text(c.tasklab.time_ns.stddev),
                          spread(c.tasklab.time_ns), busy(c.tasklab), memory_cell(c.tasklab), "", ""});
        for (std::size_t k = 0; k < c.raw.size(); ++k) {
            const auto& s = c.raw[k];
            t.rows.push_back({"", "", "", s.name + failures(s), time_text(s.time_ns.median),
                              time_text(s.time_ns.stddev), spread(s.time_ns), busy(s), memory_cell(s),
                              times_text(time_ratio(c.tasklab, s)), times_text(memory_ratio(c.tasklab, s))});
        }
    }
    out += aligned(t, bold, reset);

    for (const auto& c : r.cases)
        if (c.subtract_ns > 0) out += waiting_table(c, bold, reset);
    const auto splits = speedups(r);
    out += speedup_table(splits, bold, reset);

    const auto& rc = r.records;
    out += fmt::format(
        "\nrecords: a task_record is {} B; allocating, numbering, reading and freeing {} of them costs {} each "
        "(median of {})\n",
        rc.bytes, grouped(rc.tasks), time_text(rc.ns_per_record.median), rc.ns_per_record.n);
    std::vector<std::pair<std::string, std::string>> notes;
    for (const auto& c : r.cases)
        for (const auto& n : c.notes) notes.emplace_back(fmt::format("{} {}", c.backend, c.label), n);
    for (const auto& x : splits)
        if (!x.note.empty()) notes.emplace_back(fmt::format("{} compute", x.backend), x.note);
    return out + notes_text(r, notes, bold, reset);
}

std::string scale_table(const results& r, const std::string& bold, const std::string& reset) {
    std::string out = fmt::format(
        "{}tasklab bench --scale: N tasks all waiting at once, tasklab against the raw mechanism, {} round{} per "
        "size, {} core{}, {:.1f} s{}\n",
        bold, r.rounds_done, r.rounds_done == 1 ? "" : "s", r.cores, r.cores == 1 ? "" : "s", r.elapsed_s, reset);
    out += "each task waits W = 50 ms + N x (2 µs coroutine, 100 µs thread, 300 µs fork, or twice the previous\n"
           "size's overhead per task if more), so that all N wait together (in flight: tasklab's most at once)\n"
           "overhead / task: (wall time - W) / N, median over the rounds; memory / task as in the bench\n";
    out += fmt::format("1-minute load average: {:.2f} before, {:.2f} after (other programs on this machine)\n",
                       r.load_before, r.load_after);
    out += fmt::format("thread ceiling of this machine: about {} more threads (binding: {}; all: {})\n",
                       grouped(r.ceiling.threads), r.ceiling.binding, r.ceiling.all);
    for (const auto& s : r.series) {
        out += fmt::format("\n{}{}{} against {}\n", bold, s.backend, reset, s.raw_name);
        table_text t;
        t.headers = {"N", "wait W", "in flight", "overhead / task", "raw", "tasklab ÷", "memory / task", "raw",
                     "tasklab ÷", "peak"};
        t.left.assign(t.headers.size(), false);
        for (const auto& p : s.points) {
            t.rows.push_back({grouped(p.tasks), time_text(static_cast<double>(p.wait_ns)), grouped(p.in_flight),
                              time_text(p.tasklab.time_ns.median), time_text(p.raw.time_ns.median),
                              times_text(time_ratio(p.tasklab, p.raw)), memory_cell(p.tasklab), memory_cell(p.raw),
                              times_text(memory_ratio(p.tasklab, p.raw)),
                              p.tasklab.peak_mib.n ? fmt::format("{:.0f} MiB", p.tasklab.peak_mib.median) : "-"});
        }
        out += aligned(t, bold, reset);
        out += "  " + s.stop + "\n";
    }
    return out + notes_text(r, {}, bold, reset);
}

/// The value, or null where it was not measured.
template <class T>
nlohmann::json or_null(bool known, const T& value) {
    return known ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json stats_json(const summary_stats& s) {
    if (s.n == 0) return nullptr;
    return {{"n", s.n}, {"median", s.median}, {"mean", s.mean}, {"stddev", s.stddev}, {"min", s.min}, {"max", s.max}};
}

nlohmann::json side_json(const side& s) {
    nlohmann::json rounds = nlohmann::json::array();
    for (const auto& x : s.samples) {
        rounds.push_back({{"wall_ns", x.wall_ns},
                          {"cpu_s", or_null(x.cpu_s >= 0, x.cpu_s)},
                          {"memory_bytes_per_task", or_null(x.memory_bytes_per_task >= 0, x.memory_bytes_per_task)},
                          {"peak_rss_kib", or_null(x.peak_rss_kib >= 0, x.peak_rss_kib)},
                          {"started", x.started},
                          {"failed", x.failed}});
    }
    return {{"name", s.name},
            {"time_per_task_ns", stats_json(s.time_ns)},
            {"memory_per_task_bytes", stats_json(s.memory_bytes)},
            {"peak_rss_mib", stats_json(s.peak_mib)},
            {"cpu_per_wall", stats_json(s.cores_busy)},
            {"failed", s.failed},
            {"error", or_null(!s.error.empty(), s.error)},
            {"rounds", rounds}};
}

nlohmann::json ratio_json(const side& tasklab, const side& raw) {
    const auto mean = ratio_of(tasklab.time_ns, raw.time_ns);
    const double time = time_ratio(tasklab, raw);
    const double memory = memory_ratio(tasklab, raw);
    return {{"baseline", raw.name},
            {"time_median", or_null(time > 0, time)},
            {"time_mean", or_null(mean.ratio > 0, mean.ratio)},
            {"time_mean_stddev", or_null(mean.ratio > 0, mean.stddev)},
            {"memory_median", or_null(memory > 0, memory)}};
}

}  // namespace

nlohmann::json ceiling_json(const thread_ceiling& c) {
    return {{"threads", or_null(c.threads != static_cast<std::size_t>(-1), c.threads)},
            {"binding", c.binding},
            {"limits", c.all}};
}

std::string table(const results& r, bool colour) {
    const std::string bold = colour ? "\x1b[1m" : "";
    const std::string reset = colour ? "\x1b[0m" : "";
    return r.scale ? scale_table(r, bold, reset) : bench_table(r, bold, reset);
}

std::string json(const results& r) {
    nlohmann::json j;
    j["tasklab_version"] = version;
    j["mode"] = r.scale ? "scale" : "bench";
    j["cores"] = r.cores;
    j["rounds_planned"] = r.rounds_planned;
    j["rounds"] = r.rounds_done;
    j["rounds_note"] = or_null(!r.rounds_note.empty(), r.rounds_note);
    j["yields"] = r.yields;
    j["tasks_override"] = or_null(r.tasks_override > 0, r.tasks_override);
    j["elapsed_s"] = r.elapsed_s;
    j["load_average_before"] = r.load_before;
    j["load_average_after"] = r.load_after;
    j["notes"] = r.notes;
    if (!r.scale) {
        nlohmann::json cases = nlohmann::json::array();
        for (const auto& c : r.cases) {
            nlohmann::json baselines = nlohmann::json::array(), ratios = nlohmann::json::array();
            for (const auto& s : c.raw) {
                baselines.push_back(side_json(s));
                ratios.push_back(ratio_json(c.tasklab, s));
            }
            cases.push_back({{"backend", c.backend},
                             {"task", to_string(c.spec.kind)},
                             {"label", c.label},
                             {"tasks", c.spec.tasks},
                             {"wait_ns", or_null(c.spec.kind == work::sleep, c.spec.wait_ns)},
                             {"yields", or_null(c.spec.kind == work::yields, c.spec.yields)},
                             {"subtracted_wait_ns", c.subtract_ns},
                             {"memory_scope", c.memory_scope},
                             {"tasklab", side_json(c.tasklab)},
                             {"baselines", baselines},
                             {"ratios", ratios},
                             {"notes", c.notes}});
        }
        j["cases"] = cases;
        nlohmann::json splits = nlohmann::json::array();
        for (const auto& x : speedups(r)) {
            nlohmann::json sides = nlohmann::json::array();
            for (const auto& e : x.sides)
                sides.push_back({{"name", e.name},
                                 {"speedup", or_null(e.value > 0, e.value)},
                                 {"cpu_per_wall", or_null(e.cores_busy >= 0, e.cores_busy)}});
            splits.push_back({{"backend", x.backend},
                              {"parts", x.parts},
                              {"sides", sides},
                              {"note", or_null(!x.note.empty(), x.note)}});
        }
        j["speedups"] = splits;
        j["records"] = {{"record_bytes", r.records.bytes},
                        {"tasks", r.records.tasks},
                        {"ns_per_record", stats_json(r.records.ns_per_record)}};
    } else {
        j["thread_ceiling"] = ceiling_json(r.ceiling);
        nlohmann::json series = nlohmann::json::array();
        for (const auto& s : r.series) {
            nlohmann::json points = nlohmann::json::array();
            for (const auto& p : s.points)
                points.push_back({{"tasks", p.tasks},
                                  {"wait_ns", p.wait_ns},
                                  {"max_in_flight", p.in_flight},
                                  {"tasklab", side_json(p.tasklab)},
                                  {"baseline", side_json(p.raw)},
                                  {"ratio", ratio_json(p.tasklab, p.raw)}});
            series.push_back({{"backend", s.backend}, {"baseline", s.raw_name}, {"points", points}, {"stop", s.stop}});
        }
        j["series"] = series;
    }
    return j.dump(2) + "\n";
}

}  // namespace tasklab::bench
