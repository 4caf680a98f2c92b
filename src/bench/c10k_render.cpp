// `tasklab c10k` as text (the table style of src/format/) and as JSON.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "bench/bench.hpp"
#include "bench/c10k.hpp"
#include "format/cells.hpp"
#include "tasklab/clock.hpp"
#include "tasklab/text.hpp"
#include "tasklab/version.hpp"

namespace tasklab::bench {

namespace {

std::string per_connection_time(double seconds, std::size_t n) {
    return seconds < 0 || n == 0 ? "-" : duration_text(seconds / static_cast<double>(n));
}

std::string workers_text(const c10k_point& p) {
    return fmt::format("{} {}{}", grouped(p.workers), p.kind == worker_kind::process ? "process" : "thread",
                       p.workers == 1 ? "" : p.kind == worker_kind::process ? "es" : "s");
}

}  // namespace

std::string c10k_table(const c10k_results& r, bool colour) {
    std::string out = fmt::format(
        "C10K: N connections held open at once, each a fetch of {} from tasklab's embedded server (its own "
        "process) that lasts {}; N = 10 ... {}\n",
        bytes_text(static_cast<double>(r.size)), duration_text(r.hold_s), grouped(r.largest));
    if (r.files.known)
        out += r.files.soft_before == r.files.soft
                   ? fmt::format("open files (one per connection): soft limit {}, hard limit {}\n",
                                 grouped(r.files.soft), grouped(r.files.hard))
                   : fmt::format("open files (one per connection): soft limit raised from {} to the hard limit {}\n",
                                 grouped(r.files.soft_before), grouped(r.files.soft));
    out += fmt::format("threads and processes: about {} more allowed (binding limit: {})\n\n",
                       grouped(r.ceiling.threads), r.ceiling.binding);
    out += c10k_points(r, colour);
    out += "\n";
    for (const auto& s : r.series) out += fmt::format("  {}\n", s.stop);
    out += "\n  memory and machine / conn: per connection held at once (at the peak, when the most were open)\n";
    out += "  memory / conn:\n";
    for (const auto& s : r.series) out += fmt::format("    {}: {}\n", s.backend, s.memory_basis);
    out += fmt::format("  machine / conn: how far the machine's available memory fell during the run: the "
                       "kernel's socket memory, the server's and every process's; - where it fell less than {} "
                       "(other programs' noise)\n",
                       bytes_text(static_cast<double>(machine_noise_bytes)));
    out += "  cpu / conn: tasklab's process and its children over the run, / N; server cpu / conn: the server's "
           "process, / N\n";
    out += fmt::format("\n  took {}; 1-minute load average {:.2f} before, {:.2f} after ({} cores)\n",
                       duration_text(r.elapsed_s), r.load_before, r.load_after, r.cores);
    if (machine_load{r.load_before, r.load_after, r.cores}.busy())
        out += "  other programs kept the cores busy: times and lags may be longer than on an idle machine\n";
    return out;
}

std::string c10k_points(const c10k_results& r, bool colour) {
    const std::string bold = colour ? "\x1b[1m" : "";
    const std::string reset = colour ? "\x1b[0m" : "";
    format::detail::table_text t;
    t.headers = {"backend",    "connections",   "wall",          "held at once", "ran on",       "memory / conn",
                 "machine / conn", "cpu / conn", "server cpu / conn", "heartbeat p99", "lag max",     "failed"};
    t.left.assign(t.headers.size(), false);
    t.left[0] = true;
    t.left[4] = true;
    for (const auto& s : r.series)
        for (const auto& p : s.points)
            t.rows.push_back({s.backend, grouped(p.connections), duration_text(p.wall_s), grouped(p.held),
                              workers_text(p), bytes_text(p.memory_bytes), bytes_text(p.machine_bytes),
                              per_connection_time(p.client_cpu_s, p.connections),
                              per_connection_time(p.server_cpu_s, p.connections), duration_text(p.heartbeat_p99_s),
                              duration_text(p.heartbeat_max_s), grouped(p.failed)});
    return format::detail::aligned(t, bold, reset);
}

std::string c10k_json(const c10k_results& r) {
    nlohmann::json j;
    j["tasklab_version"] = version;
    j["mode"] = "c10k";
    j["hold_s"] = r.hold_s;
    j["size_bytes"] = r.size;
    j["largest"] = r.largest;
    j["cores"] = r.cores;
    j["open_files"] = {{"soft_before", r.files.soft_before}, {"soft", r.files.soft}, {"hard", r.files.hard}};
    j["thread_ceiling"] = ceiling_json(r.ceiling);
    j["elapsed_s"] = r.elapsed_s;
    j["load_average_before"] = r.load_before;
    j["load_average_after"] = r.load_after;
    // Unknown figures (negative inside) are null, as in every other export.
    const auto known = [](auto v) { return v < 0 ? nlohmann::json(nullptr) : nlohmann::json(v); };
    nlohmann::json series = nlohmann::json::array();
    for (const auto& s : r.series) {
        nlohmann::json points = nlohmann::json::array();
        for (const auto& p : s.points)
            points.push_back({{"connections", p.connections},
                              {"wall_s", p.wall_s},
                              {"held", p.held},
                              {"start_spread_s", p.start_spread_s},
                              {"ok", p.ok},
                              {"failed", p.failed},
                              {"error", p.error},
                              {"workers", p.workers},
                              {"worker_kind", to_string(p.kind)},
                              {"memory_bytes_per_connection", known(p.memory_bytes)},
                              {"child_peak_rss_bytes", known(p.child_peak_rss_bytes)},
                              {"machine_memory_rise_bytes", known(p.machine_rise_bytes)},
                              {"machine_bytes_per_connection", known(p.machine_bytes)},
                              {"cpu_s", p.client_cpu_s},
                              {"server_cpu_s", known(p.server_cpu_s)},
                              {"heartbeat_p99_lag_s", p.heartbeat_p99_s},
                              {"heartbeat_max_lag_s", p.heartbeat_max_s}});
        series.push_back(
            {{"backend", s.backend}, {"memory_basis", s.memory_basis}, {"points", points}, {"stop", s.stop}});
    }
    j["series"] = series;
    return j.dump(2) + "\n";
}

}  // namespace tasklab::bench
