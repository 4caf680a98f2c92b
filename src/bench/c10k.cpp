#include "bench/c10k.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <thread>
#include <unordered_set>

#include "bench/bench.hpp"
#include "tasklab/backends/catalog.hpp"
#include "tasklab/clock.hpp"
#include "tasklab/errors.hpp"
#include "tasklab/http_server.hpp"
#include "tasklab/metrics.hpp"
#include "tasklab/registry.hpp"
#include "tasklab/scenario.hpp"
#include "tasklab/tasks/fetch.hpp"
#include "tasklab/text.hpp"

namespace tasklab::bench {

namespace {

constexpr const char* default_backends[] = {"coroutine", "thread", "fork"};
constexpr std::size_t most_connections = 1'000'000;
constexpr double longest_hold_s = 600;

/// Descriptors kept in hand beside the connections: the standard streams, the heartbeat,
/// pipes, the server's start pipe, and a margin.
constexpr std::uint64_t descriptor_margin = 64;
/// Threads kept in hand below the machine's ceiling (as the bench's sweep does).
constexpr std::size_t thread_margin = 16;

std::vector<std::size_t> sweep_sizes(std::size_t smallest, std::size_t largest) {
    std::vector<std::size_t> out;
    for (std::size_t n = std::min(smallest, largest); n <= largest; n *= 10) out.push_back(n);
    if (out.empty() || out.back() != largest) out.push_back(largest);
    return out;
}

std::vector<std::string> chosen_backends(const c10k_options& o) {
    if (!o.backends.empty()) return o.backends;
    return {std::begin(default_backends), std::end(default_backends)};
}

/// How many local ports a client may bind (net.ipv4.ip_local_port_range); 0 if unknown.
std::size_t local_ports() {
    std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (!f) return 0;
    unsigned long low = 0, high = 0;
    const bool read = std::fscanf(f, "%lu %lu", &low, &high) == 2;
    std::fclose(f);
    return read && high >= low ? static_cast<std::size_t>(high - low + 1) : 0;
}

/// Why a backend cannot be asked for n connections at all, or "".
std::string refusal(const std::string& backend, std::size_t n, const c10k_results& r) {
    // One descriptor per connection in tasklab's process (fork: the pipe of each child).
    if (r.files.known && n + descriptor_margin > r.files.soft)
        return fmt::format("{} connections need {} open files at once, over this process's limit of {} "
                           "(ulimit -n; hard limit {})",
                           grouped(n), grouped(n + descriptor_margin), grouped(r.files.soft), grouped(r.files.hard));
    // Every connection to the one server needs a local port of its own.
    if (const auto ports = local_ports(); ports > 0 && n > ports)
        return fmt::format("{} connections to one server need as many local ports, and 127.0.0.1 has {} "
                           "(net.ipv4.ip_local_port_range)",
                           grouped(n), grouped(ports));
    if (backend != "coroutine" && n + thread_margin > r.ceiling.threads)
        return fmt::format("{} {} would pass this machine's ceiling of about {} more threads and processes "
                           "(binding limit: {})",
                           grouped(n), backend == "fork" ? "processes" : "threads", grouped(r.ceiling.threads),
                           r.ceiling.binding);
    if (const auto limit = make_backend(backend)->task_limit(); n > limit)
        return fmt::format("tasklab's {} backend runs at most {} tasks", backend, grouped(limit));
    return {};
}

c10k_point hold(const std::string& backend, std::size_t n, const c10k_options& o, const std::string& url,
                const http::embedded_server& server, machine_memory_watch& machine) {
    const fetch_task fetch;
    scenario_settings settings;
    settings.task = "fetch";
    settings.tasks = n;
    settings.seed = 1;
    settings.time_scale = 1;  // simulated seconds are real ones
    settings.timeout = o.hold_s + 60;  // a bound, never reached by a connection that is served
    const auto hold_text = fmt::format("{}", o.hold_s);
    const auto s = make_scenario(fetch, settings,
                                 {{"url", url}, {"size", fmt::format("{}", o.size)}, {"min", hold_text},
                                  {"max", hold_text}});
    const auto b = make_backend(backend);
    b->check(s);

    sample memory;
    const memory_window window;
    machine.restart();
    const double server_before = server.cpu_seconds();
    const auto report = b->run(s);
    const double server_after = server.cpu_seconds();
    const auto machine_rise = machine.fall();
    const auto m = measure(report);
    // Memory peaks when the most connections are open: per connection is per one held then.
    const std::size_t held = std::max<std::size_t>(1, m.max_in_flight);
    window.finish(memory, held);

    c10k_point p;
    p.connections = n;
    p.wall_s = m.wall_s;
    p.held = m.max_in_flight;
    p.ok = m.tasks_ok;
    p.failed = m.tasks_failed + m.tasks_cancelled;
    p.kind = report.workers;
    p.client_cpu_s = m.cpu_s;
    if (server_before >= 0 && server_after >= 0) p.server_cpu_s = server_after - server_before;
    p.heartbeat_p99_s = m.heartbeat_p99_lag_s;
    p.heartbeat_max_s = m.heartbeat_max_lag_s;
    p.machine_rise_bytes = machine_rise;
    if (machine_rise >= machine_noise_bytes)
        p.machine_bytes = static_cast<double>(machine_rise) / static_cast<double>(held);

    std::unordered_set<std::int64_t> workers;
    std::int64_t first_start = std::numeric_limits<std::int64_t>::max(), last_start = 0;
    std::size_t started = 0;
    for (const auto& rec : report.records) {
        if (rec.status != task_status::ok && p.error.empty()) p.error = rec.error;
        if (!rec.started) continue;
        ++started;
        workers.insert(rec.worker);
        first_start = std::min(first_start, rec.start_ns);
        last_start = std::max(last_start, rec.start_ns);
    }
    p.workers = workers.size();
    if (started > 0) p.start_spread_s = static_cast<double>(last_start - first_start) * 1e-9;

    // Memory: what the run added to tasklab's peak. A process per connection keeps its memory
    // in the children, whose resident sets count every page they share with tasklab: their
    // mean peak is kept for the JSON, but only the machine's figure says what they cost.
    if (report.workers == worker_kind::process) {
        if (report.usage.children_sum_rss_kib >= 0 && started > 0)
            p.child_peak_rss_bytes =
                static_cast<double>(report.usage.children_sum_rss_kib) * 1024.0 / static_cast<double>(started);
    } else {
        p.memory_bytes = memory.memory_bytes_per_task;
    }
    return p;
}

/// Why a size that ran ends the sweep, or "".
std::string stop_after(const std::string& backend, const c10k_point& p, double hold_s) {
    if (p.failed > 0)
        return fmt::format("{}: stopped at {} connections: {} of them failed: {}", backend, grouped(p.connections),
                           grouped(p.failed), p.error);
    if (p.held < p.connections) {
        const char* what = p.kind == worker_kind::process ? "process" : backend == "thread" ? "thread" : "task";
        if (p.start_spread_s >= hold_s)
            return fmt::format("{}: stopped at {} connections: at most {} were open at once - the last {} started "
                               "{} after the first ({} per connection), later than the first connection ended ({}): "
                               "creating a {} per connection is the limit here, before any kernel limit",
                               backend, grouped(p.connections), grouped(p.held), what, duration_text(p.start_spread_s),
                               duration_text(p.start_spread_s / static_cast<double>(p.connections)),
                               duration_text(hold_s), what);
        return fmt::format("{}: stopped at {} connections: at most {} were open at once, though every {} had "
                           "started within {}: the first connections ended before the last ones were served",
                           backend, grouped(p.connections), grouped(p.held), what, duration_text(p.start_spread_s));
    }
    return {};
}

}  // namespace

void check(const c10k_options& o) {
    for (const auto& b : chosen_backends(o)) {
        if (!make_backend(b)) throw usage_error(fmt::format("--backend: no backend named '{}'", b));
        if (b == "sequential")
            throw usage_error("--backend: sequential holds one connection at a time (N connections take N times "
                              "the hold): choose from coroutine, thread, fork");
        if (b == "pool")
            throw usage_error("--backend: a pool holds one connection per worker (N connections take N / workers "
                              "times the hold): choose from coroutine, thread, fork");
    }
    if (o.smallest < 1) throw usage_error("the sweep's smallest N must be above 0");
    if (o.largest < 1 || o.largest > most_connections)
        throw usage_error(fmt::format("--connections: expected 1 to {}, got {}", grouped(most_connections), o.largest));
    if (!(o.hold_s >= 0.01 && o.hold_s <= longest_hold_s))
        throw usage_error(fmt::format("--hold: expected 0.01 to {} seconds, got {}", longest_hold_s, o.hold_s));
    if (o.size < 1 || o.size > (1u << 20))
        throw usage_error(fmt::format("--size: expected 1 to 1048576 bytes, got {}", o.size));
}

c10k_results run_c10k(const c10k_options& o) {
    check(o);
    c10k_results r;
    r.hold_s = o.hold_s;
    r.size = o.size;
    r.largest = o.largest;
    r.cores = std::max(1u, std::thread::hardware_concurrency());
    r.files = raise_open_files_limit();
    r.ceiling = find_thread_ceiling();
    r.load_before = load_average();
    const auto started = monotonic_ns();

    // The memory watcher first, while tasklab is small (it shares tasklab's pages); then one
    // server for the whole sweep, in its own process: its CPU is measured apart.
    machine_memory_watch machine;
    const http::embedded_server server;
    const auto url = "http://" + to_string(server.where());

    const auto backends = chosen_backends(o);
    const auto sizes = sweep_sizes(o.smallest, o.largest);
    const std::size_t steps = backends.size() * sizes.size();
    std::size_t step = 0;
    for (std::size_t b = 0; b < backends.size(); ++b) {
        const auto& backend = backends[b];
        c10k_series series;
        series.backend = backend;
        series.memory_basis = backend == "fork"
                                  ? "- : a connection's memory is its process's, and a child's resident set counts "
                                    "every page it shares with tasklab; machine / conn is what a process costs"
                                  : "the growth of tasklab's peak resident set over the run";
        for (const auto n : sizes) {
            if (auto why = refusal(backend, n, r); !why.empty()) {
                series.stop = fmt::format("{}: stopped before {} connections: {}", backend, grouped(n), why);
                break;
            }
            if (o.progress) o.progress(fmt::format("{} holding {} connections", backend, grouped(n)), step, steps);
            ++step;
            try {
                series.points.push_back(hold(backend, n, o, url, server, machine));
            } catch (const std::exception& e) {
                // What could not even start (out of descriptors or memory for the run's own
                // machinery, a backend that refuses the process as it is now) ends this
                // backend's sweep, not the sizes already measured.
                series.stop = fmt::format("{}: stopped at {} connections: {}", backend, grouped(n), e.what());
                break;
            }
            if (auto why = stop_after(backend, series.points.back(), o.hold_s); !why.empty()) {
                series.stop = std::move(why);
                break;
            }
        }
        step = (b + 1) * sizes.size();  // past the sizes a stop skipped
        if (series.stop.empty() && !series.points.empty())
            series.stop = fmt::format("{}: held all {} connections at once, the sweep's largest size", backend,
                                      grouped(series.points.back().connections));
        r.series.push_back(std::move(series));
    }
    r.elapsed_s = static_cast<double>(monotonic_ns() - started) * 1e-9;
    r.load_after = load_average();
    return r;
}

}  // namespace tasklab::bench
