#include "bench/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "bench/probe.hpp"
#include "bench/raw.hpp"
#include "tasklab/backends/catalog.hpp"
#include "tasklab/clock.hpp"

namespace tasklab::bench {

std::int64_t waiting_wait_ns(std::string_view backend, std::size_t tasks) noexcept {
    const std::int64_t per_task_ns = backend == "coroutine" ? 2'000 : backend == "thread" ? 100'000 : 300'000;
    return 50'000'000 + static_cast<std::int64_t>(tasks) * per_task_ns;
}

std::int64_t waiting_wait_ns(std::string_view backend, std::size_t tasks, double per_task_ns) noexcept {
    const auto measured = 50'000'000 + static_cast<std::int64_t>(per_task_ns * static_cast<double>(tasks));
    return std::max(waiting_wait_ns(backend, tasks), measured);
}

namespace {

/// Threads kept in hand below the ceiling: the heartbeat's ticker, and a margin for the rest
/// of this user's programs.
constexpr std::size_t ceiling_margin = 16;

struct sweep_plan {
    const char* backend;
    std::size_t smallest;
    std::size_t largest;  // by default; --tasks replaces it (up to the backend's task limit)
};

std::vector<std::size_t> sizes(std::size_t smallest, std::size_t largest) {
    std::vector<std::size_t> out;
    for (std::size_t n = smallest; n <= largest; n *= 10) out.push_back(n);
    if (out.empty() || out.back() != largest) out.push_back(largest);
    return out;
}

}  // namespace

results run_scale(const options& o) {
    results r;
    r.scale = true;
    r.cores = std::max(1u, std::thread::hardware_concurrency());
    r.yields = o.yields;
    r.tasks_override = o.tasks;
    r.rounds_planned = r.rounds_done = o.rounds;
    r.ceiling = find_thread_ceiling();
    r.load_before = load_average();
    const auto started = monotonic_ns();

    const sweep_plan plans[] = {{"coroutine", 100, 1'000'000}, {"thread", 10, 10'000}, {"fork", 10, 1'000}};
    std::size_t steps = 0, step = 0;
    std::vector<std::vector<std::size_t>> all_sizes;
    for (const auto& plan : plans) {
        if (!chosen(o, plan.backend)) {
            all_sizes.emplace_back();
            continue;
        }
        const std::size_t limit = make_backend(plan.backend)->task_limit();
        const std::size_t largest = o.tasks ? std::min(o.tasks, limit) : plan.largest;
        all_sizes.push_back(sizes(std::min(plan.smallest, largest), largest));
        steps += all_sizes.back().size() * o.rounds * 2;
    }

    for (std::size_t k = 0; k < std::size(plans); ++k) {
        if (all_sizes[k].empty()) continue;  // not chosen
        const std::string backend = plans[k].backend;
        const auto raw = baselines_of(backend).at(0);
        scale_series series;
        series.backend = backend;
        series.raw_name = raw.name;
        const bool threads = backend == "thread";
        const std::size_t room = r.ceiling.threads > ceiling_margin ? r.ceiling.threads - ceiling_margin : 0;
        double per_task_ns = 0;  // the slower side's overhead per task at the previous size
        for (std::size_t n : all_sizes[k]) {
            bool at_ceiling = false;
            if (threads && n > room) {
                // Not past the ceiling: one last size just under it, if there is room for one.
                const std::size_t previous = series.points.empty() ? 0 : series.points.back().tasks;
                if (room <= previous) {
                    series.stop = fmt::format(
                        "thread: stopped at {} threads: {} more would reach this machine's ceiling of about {} "
                        "(binding limit: {})",
                        grouped(previous), grouped(n - previous), grouped(r.ceiling.threads), r.ceiling.binding);
                    break;
                }
                n = room;
                at_ceiling = true;
            }
            scale_point point;
            point.tasks = n;
            point.wait_ns = waiting_wait_ns(backend, n, 2 * per_task_ns);
            point.tasklab.name = "tasklab";
            point.raw.name = raw.name;
            work_spec spec;
            spec.kind = work::sleep;
            spec.tasks = n;
            spec.wait_ns = point.wait_ns;
            for (std::size_t round = 0; round < o.rounds; ++round) {
                const auto tell = [&](const char* who) {
                    if (o.progress)
                        o.progress(fmt::format("{} {} waiting, round {}/{}: {}", backend, grouped(n), round + 1,
                                               o.rounds, who),
                                   step, steps);
                    ++step;
                };
                const auto run_raw = [&] {
                    tell(raw.name);
                    point.raw.samples.push_back(raw.run(spec));
                };
                const auto run_ours = [&] {
                    tell("tasklab");
                    point.tasklab.samples.push_back(run_tasklab(backend, spec));
                };
                if (round % 2 == 0) {
                    run_raw();
                    run_ours();
                } else {
                    run_ours();
                    run_raw();
                }
            }
            summarize_side(point.tasklab, n, point.wait_ns);
            summarize_side(point.raw, n, point.wait_ns);
            per_task_ns = std::max(point.tasklab.time_ns.median, point.raw.time_ns.median);
            std::vector<std::size_t> in_flight;
            for (const auto& s : point.tasklab.samples) in_flight.push_back(s.max_in_flight);
            std::sort(in_flight.begin(), in_flight.end());
            point.in_flight = in_flight.empty() ? 0 : in_flight[(in_flight.size() - 1) / 2];
            const bool failed = point.tasklab.failed > 0 || point.raw.failed > 0;
            const std::string why = !point.raw.error.empty() ? point.raw.error : point.tasklab.error;
            series.points.push_back(std::move(point));
            if (failed) {
                series.stop = threads ? fmt::format("thread: stopped at {} threads: {} (the limits allowed about {} "
                                                    "more: {})",
                                                    grouped(n), why, grouped(r.ceiling.threads), r.ceiling.binding)
                                      : fmt::format("{}: stopped at {} tasks: {}", backend, grouped(n), why);
                break;
            }
            if (at_ceiling) {
                series.stop = fmt::format(
                    "thread: stopped at {} threads, {} under this machine's ceiling of about {} more threads "
                    "(binding limit: {})",
                    grouped(n), ceiling_margin, grouped(r.ceiling.threads), r.ceiling.binding);
                break;
            }
        }
        if (series.stop.empty() && !series.points.empty()) {
            const auto last = series.points.back().tasks;
            series.stop = threads ? fmt::format("thread: stopped at {} threads, the sweep's largest size; this "
                                                "machine's ceiling is about {} more threads (binding limit: {})",
                                                grouped(last), grouped(r.ceiling.threads), r.ceiling.binding)
                                  : fmt::format("{}: stopped at {} tasks, the sweep's largest size", backend,
                                                grouped(last));
        }
        r.series.push_back(std::move(series));
    }
    r.elapsed_s = static_cast<double>(monotonic_ns() - started) * 1e-9;
    r.load_after = load_average();
    return r;
}

}  // namespace tasklab::bench
