// The default bench: every backend's probes next to their raw baselines, in alternating
// rounds within a time budget, then the million waiting coroutines; and the notes that say
// where a figure may not be what it seems.
#include "bench/bench.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "bench/probe.hpp"
#include "bench/raw.hpp"
#include "bench/sweep.hpp"
#include "tasklab/backends/catalog.hpp"
#include "tasklab/clock.hpp"
#include "tasklab/errors.hpp"
#include "tasklab/report.hpp"

namespace tasklab::bench {

/// A batch shorter than this says little: getrusage counts microseconds, and a run's fixed
/// costs weigh in its time per task.
constexpr std::int64_t shortest_trusted_batch_ns = 1'000'000;

double time_ratio(const side& tasklab, const side& raw) {
    return raw.time_ns.median > 0 ? tasklab.time_ns.median / raw.time_ns.median : 0;
}

double memory_ratio(const side& tasklab, const side& raw) {
    if (raw.memory_bytes.n == 0 || raw.memory_bytes.median <= 0 || tasklab.memory_bytes.n == 0) return 0;
    return tasklab.memory_bytes.median / raw.memory_bytes.median;
}

void summarize_side(side& s, std::size_t tasks, std::int64_t subtract_ns) {
    std::vector<double> time, memory, peak, busy;
    s.failed = 0;
    for (const auto& x : s.samples) {
        time.push_back(static_cast<double>(x.wall_ns - subtract_ns) / static_cast<double>(tasks));
        if (x.memory_bytes_per_task >= 0) memory.push_back(x.memory_bytes_per_task);
        if (x.peak_rss_kib >= 0) peak.push_back(static_cast<double>(x.peak_rss_kib) / 1024.0);
        if (x.cpu_s >= 0 && x.wall_ns >= shortest_trusted_batch_ns)
            busy.push_back(x.cpu_s / (static_cast<double>(x.wall_ns) * 1e-9));
        s.failed += x.failed;
        if (s.error.empty() && !x.error.empty()) s.error = x.error;
    }
    s.time_ns = summarize(time);
    s.memory_bytes = summarize(memory);
    s.peak_mib = summarize(peak);
    s.cores_busy = summarize(busy);
}

namespace {

constexpr std::size_t default_rounds = 7;
constexpr std::size_t default_scale_rounds = 3;
constexpr std::size_t max_rounds = 1000;
constexpr std::size_t waiting_tasks = 1'000'000;
constexpr std::size_t waiting_rounds = 3;

/// N of each probe: enough tasks that one batch takes tens of milliseconds on a small machine.
std::size_t default_tasks(std::string_view backend, work kind) {
    if (backend == "sequential") return kind == work::sleep ? 500 : kind == work::yields ? 2'000 : 20'000;
    if (backend == "coroutine") return kind == work::yields ? 5'000 : 20'000;
    if (backend == "thread") return kind == work::sleep ? 500 : 1'000;
    if (backend == "pool") return kind == work::sleep ? 500 : 20'000;
    return 200;  // fork
}

std::string label_of(const work_spec& spec) {
    switch (spec.kind) {
        case work::empty: return "empty";
        case work::sleep: return fmt::format("sleep {} ns", spec.wait_ns);
        case work::yields: return fmt::format("{} yields", spec.yields);
        case work::compute: return fmt::format("compute 1..{:.2g}", static_cast<double>(spec.compute_n));
    }
    return "?";
}

std::string memory_scope_of(std::string_view backend) {
    return backend == "fork" ? "each child's peak resident set (wait4 ru_maxrss), mean"
                             : "growth of this process's peak resident set over the batch, / N";
}

/// A case with its contenders: the tasklab backend and the raw baselines.
struct planned {
    case_result result;
    std::vector<baseline> raws;
};

planned plan(std::string_view backend, const work_spec& spec, std::int64_t subtract_ns = 0) {
    planned p;
    p.result.backend = std::string(backend);
    p.result.spec = spec;
    p.result.label = label_of(spec);
    p.result.subtract_ns = subtract_ns;
    p.result.memory_scope = memory_scope_of(backend);
    p.result.tasklab.name = "tasklab";
    p.raws = baselines_of(backend);
    // Beside the compute split, the same raw mechanism with a bare 1 ms ticker: what the
    // heartbeat by itself costs parts that keep every core busy.
    if (spec.kind == work::compute)
        if (const auto ticking = ticking_baseline_of(backend)) p.raws.push_back(*ticking);
    for (const auto& b : p.raws) {
        side raw;
        raw.name = b.name;
        p.result.raw.push_back(std::move(raw));
    }
    return p;
}

/// One round of one case: raw baselines and tasklab, in an order that alternates by round so
/// that a drift of the machine hits both sides alike.
void run_case_round(planned& p, std::size_t round, bool keep, const options& o, std::size_t& step,
                    std::size_t steps, std::size_t rounds) {
    const auto tell = [&](const std::string& who) {
        if (o.progress)
            o.progress(fmt::format("{}: {} {} {}", keep ? fmt::format("round {}/{}", round + 1, rounds) : "warm-up",
                                   p.result.backend, p.result.label, who),
                       step, steps);
        ++step;
    };
    const auto run_raw = [&](std::size_t k) {
        tell(p.raws[k].name);
        auto s = p.raws[k].run(p.result.spec);
        if (keep) p.result.raw[k].samples.push_back(std::move(s));
    };
    const auto run_ours = [&] {
        tell("tasklab");
        auto s = run_tasklab(p.result.backend, p.result.spec);
        if (keep) p.result.tasklab.samples.push_back(std::move(s));
    };
    if (round % 2 == 0) {
        for (std::size_t k = 0; k < p.raws.size(); ++k) run_raw(k);
        run_ours();
    } else {
        run_ours();
        for (std::size_t k = p.raws.size(); k-- > 0;) run_raw(k);
    }
}

/// Where measure_records puts what it read back, so that the records it times are used.
volatile std::uint64_t records_read;

record_cost measure_records(std::size_t tasks, std::size_t rounds) {
    record_cost out;
    out.bytes = sizeof(task_record);
    out.tasks = tasks;
    std::vector<double> per_record;
    for (std::size_t r = 0; r < rounds; ++r) {
        const auto t0 = monotonic_ns();
        {
            // What backend::run does for its records: allocate them, number them, read them
            // (it does once the tasks are over), free them.
            std::vector<task_record> records(tasks);
            for (std::size_t i = 0; i < records.size(); ++i) records[i].index = static_cast<std::uint32_t>(i);
            std::uint64_t sum = 0;
            for (const auto& record : records) sum += record.index;
            records_read = sum;
        }
        per_record.push_back(static_cast<double>(monotonic_ns() - t0) / static_cast<double>(tasks));
    }
    out.ns_per_record = summarize(per_record);
    return out;
}

const case_result* find(const std::vector<case_result>& cases, std::string_view backend, work kind) {
    for (const auto& c : cases)
        if (c.backend == backend && c.spec.kind == kind && c.subtract_ns == 0) return &c;
    return nullptr;
}

/// Whether other programs may have shared the machine: the load average before the bench is
/// theirs alone; the one after also holds the bench's own, at most one per core.
bool busy_machine(const results& r) {
    return machine_load{r.load_before, r.load_after, r.cores}.busy();
}

/// Why a case's figures may not say what they seem to.
std::vector<std::string> notes_of(const case_result& c) {
    std::vector<std::string> out;
    if (c.subtract_ns > 0) {
        if (c.spec.tasks != waiting_tasks)
            out.push_back(fmt::format("ran {} tasks, not {}: --tasks changed the size", grouped(c.spec.tasks),
                                      grouped(waiting_tasks)));
        // The wait is sized from the smaller probes; if starting them all took longer, the
        // first ones ended before the last began, and the figures are not about N at once.
        std::size_t least_in_flight = c.spec.tasks;
        for (const auto& s : c.tasklab.samples)
            if (s.max_in_flight > 0) least_in_flight = std::min(least_in_flight, s.max_in_flight);
        if (least_in_flight < c.spec.tasks)
            out.push_back(fmt::format("in a round only {} of the {} tasks waited at once", grouped(least_in_flight),
                                      grouped(c.spec.tasks)));
    }
    // tasklab's batch is one run, whose fixed costs (its records, the heartbeat, the
    // measurements around it) a short batch does not spread thin.
    const double batch_ns = c.tasklab.time_ns.median * static_cast<double>(c.spec.tasks);
    if (batch_ns < static_cast<double>(shortest_trusted_batch_ns))
        out.push_back(fmt::format("tasklab's batch{} took {:.3g} µs, under 1 ms: the run's fixed costs weigh in "
                                  "its time per task",
                                  c.subtract_ns > 0 ? " beyond its wait" : "", std::max(0.0, batch_ns) * 1e-3));
    return out;
}

std::vector<std::string> run_notes(const results& r) {
    std::vector<std::string> out;
    if (busy_machine(r))
        out.push_back(fmt::format("the machine was not idle (1-minute load average {:.2f} before the bench, "
                                  "{:.2f} after, on {} core{}): other programs' time may be in both sides' "
                                  "figures; σ and min … max show how far the figures moved",
                                  r.load_before, r.load_after, r.cores, r.cores == 1 ? "" : "s"));
    if (r.rounds_done < 3)
        out.push_back(fmt::format("{} round{} only: too few to tell a difference from the machine's drift",
                                  r.rounds_done, r.rounds_done == 1 ? "" : "s"));
    return out;
}

}  // namespace

std::vector<speedup> speedups(const results& r) {
    std::vector<speedup> out;
    const auto* seq = find(r.cases, "sequential", work::compute);
    if (!seq) return out;
    const auto busy = [](const side& s) { return s.cores_busy.n ? s.cores_busy.median : -1.0; };
    for (auto backend : {"thread", "fork", "pool"}) {
        const auto* c = find(r.cases, backend, work::compute);
        if (!c) continue;
        speedup x;
        x.backend = backend;
        x.parts = c->spec.tasks;
        // A speed-up is the one-core time over the split's.
        x.sides.push_back({"tasklab", time_ratio(seq->tasklab, c->tasklab), busy(c->tasklab)});
        for (const auto& s : c->raw)
            x.sides.push_back({s.name, seq->raw.empty() ? 0.0 : time_ratio(seq->raw[0], s), busy(s)});
        if (x.parts < 2)
            x.note = "one core: nothing to split";
        else if (busy_machine(r))
            x.note = fmt::format("the split needs {} idle cores, and the machine was not idle (1-minute load "
                                 "average {:.2f} before the bench, {:.2f} after): with tasklab and without alike",
                                 x.parts, r.load_before, r.load_after);
        out.push_back(std::move(x));
    }
    return out;
}

namespace {

results run_bench(const options& o) {
    results r;
    r.cores = std::max(1u, std::thread::hardware_concurrency());
    r.yields = o.yields;
    r.tasks_override = o.tasks;
    r.rounds_planned = o.rounds ? o.rounds : default_rounds;
    r.load_before = load_average();
    const auto started = monotonic_ns();

    std::vector<planned> cases;
    for (auto backend : backend_names()) {
        if (!chosen(o, backend)) continue;
        for (auto kind : {work::empty, work::sleep, work::yields}) {
            work_spec spec;
            spec.kind = kind;
            spec.tasks = o.tasks ? o.tasks : default_tasks(backend, kind);
            spec.yields = o.yields;
            spec.wait_ns = 1;
            cases.push_back(plan(backend, spec));
        }
    }
    // The CPU-bound split: 2.4e9 additions (about 0.35 s on one core here), one part per core,
    // so that a part's thread or process creation and exit, and the run's own setup, are small
    // next to the part. At most 8 parts, at most 1.2e9 additions each: the sum of the last
    // part, about parts x (its size)^2, stays far inside 63 bits.
    const std::size_t parts = std::clamp(r.cores, 1u, 8u);
    const std::int64_t part_size = std::min<std::int64_t>(1'200'000'000, 2'400'000'000 / static_cast<std::int64_t>(parts));
    const bool parallel = chosen(o, "thread") || chosen(o, "fork") || chosen(o, "pool");
    for (auto backend : {"sequential", "thread", "fork", "pool"}) {
        if (!chosen(o, backend) && !(parallel && std::string_view(backend) == "sequential")) continue;
        work_spec spec;
        spec.kind = work::compute;
        spec.tasks = parts;
        spec.compute_n = static_cast<std::int64_t>(parts) * part_size;
        cases.push_back(plan(backend, spec));
    }

    // The million waiting coroutines, run after the rounds: each waits long enough that the
    // last one starts before the first one's wait is over (in flight shows it did).
    const std::size_t big_tasks = o.tasks ? o.tasks : waiting_tasks;
    const std::size_t big_rounds = chosen(o, "coroutine") ? std::min(waiting_rounds, r.rounds_planned) : 0;
    // What a task of it costs, from the coroutine sleep probe so far: its slower side's median
    // per task. A million sleeping tasks start at 0.75 to 0.9 times that each.
    const auto probe_per_task_ns = [&]() {
        double per_task_ns = 2'000;
        for (const auto& p : cases)
            if (p.result.backend == "coroutine" && p.result.spec.kind == work::sleep)
                for (const auto* s : {&p.result.tasklab, &p.result.raw[0]})
                    if (!s->samples.empty()) {
                        auto copy = *s;
                        summarize_side(copy, p.result.spec.tasks, 0);
                        per_task_ns = std::max(per_task_ns, copy.time_ns.median);
                    }
        return per_task_ns;
    };
    // Their wait: long enough to start them all, with a fifth to spare, and no longer, since
    // each second of it is spent twice a round out of the bench's budget.
    const auto big_wait_ns = [&]() { return waiting_wait_ns("coroutine", big_tasks, 1.2 * probe_per_task_ns()); };
    // One round of it (both sides): the wait, after starting every task.
    const auto big_round_s = [&]() {
        return 2.0 * (static_cast<double>(big_wait_ns()) + probe_per_task_ns() * static_cast<double>(big_tasks)) * 1e-9;
    };

    std::size_t contenders = 0;
    for (const auto& p : cases) contenders += 1 + p.raws.size();
    const std::size_t steps = contenders * (r.rounds_planned + 1) + 2 * big_rounds;
    std::size_t step = 0;
    const auto elapsed_s = [&] { return static_cast<double>(monotonic_ns() - started) * 1e-9; };

    // A warm-up round at a quarter of the size (not kept): allocators, page tables and lazy
    // bindings settle first.
    for (auto& p : cases) {
        auto warm = p;
        warm.result.spec.tasks = std::max<std::size_t>(1, p.result.spec.tasks / 4);
        if (warm.result.spec.kind == work::compute) {
            warm.result.spec.tasks = p.result.spec.tasks;
            warm.result.spec.compute_n = p.result.spec.compute_n / 4;
        }
        run_case_round(warm, 0, false, o, step, steps, r.rounds_planned);
    }
    std::int64_t longest_round = 0;
    for (std::size_t round = 0; round < r.rounds_planned; ++round) {
        const auto t0 = monotonic_ns();
        for (auto& p : cases) run_case_round(p, round, true, o, step, steps, r.rounds_planned);
        r.rounds_done = round + 1;
        longest_round = std::max(longest_round, monotonic_ns() - t0);
        // Room for one more round and for at least one round of the million.
        const double next_ends_s =
            elapsed_s() + static_cast<double>(longest_round) * 1e-9 + (big_rounds > 0 ? big_round_s() : 0.0);
        if (!o.rounds && r.rounds_done >= 3 && round + 1 < r.rounds_planned && next_ends_s > o.budget_s) {
            r.rounds_note = fmt::format("stopped after {} of {} rounds: one more would end past the {:.0f} s budget",
                                        r.rounds_done, r.rounds_planned, o.budget_s);
            break;
        }
    }
    step = contenders * (r.rounds_planned + 1);
    work_spec big_spec;
    big_spec.kind = work::sleep;
    big_spec.tasks = big_tasks;
    // Long enough that the last task starts before the first one's wait is over.
    big_spec.wait_ns = big_wait_ns();
    auto big = plan("coroutine", big_spec, big_spec.wait_ns);
    big.result.label = fmt::format("{} waiting", grouped(big_tasks));
    big.raws.resize(1);  // the awaitable: the reference
    big.result.raw.resize(1);
    std::size_t big_done = 0;
    double big_longest_s = 0;  // once one round ran, its measured length replaces the estimate
    for (std::size_t round = 0; round < big_rounds; ++round) {
        const double next_s = big_done ? big_longest_s : big_round_s();
        if (!o.rounds && round > 0 && elapsed_s() + next_s > o.budget_s) {
            if (!r.rounds_note.empty()) r.rounds_note += "; ";
            r.rounds_note += fmt::format("{} ran {} of {} rounds: one more would end past the {:.0f} s budget",
                                         big.result.label, big_done, big_rounds, o.budget_s);
            break;
        }
        const double t0 = elapsed_s();
        run_case_round(big, round, true, o, step, steps, big_rounds);
        big_longest_s = std::max(big_longest_s, elapsed_s() - t0);
        ++big_done;
    }
    if (big_rounds > 0) cases.push_back(std::move(big));

    for (auto& p : cases) {
        summarize_side(p.result.tasklab, p.result.spec.tasks, p.result.subtract_ns);
        for (auto& s : p.result.raw) summarize_side(s, p.result.spec.tasks, p.result.subtract_ns);
        r.cases.push_back(std::move(p.result));
    }
    r.records = measure_records(20'000, 7);
    for (auto& c : r.cases) c.notes = notes_of(c);
    r.elapsed_s = static_cast<double>(monotonic_ns() - started) * 1e-9;
    r.load_after = load_average();
    return r;
}

}  // namespace

bool chosen(const options& o, std::string_view backend) {
    return o.backends.empty() || std::find(o.backends.begin(), o.backends.end(), backend) != o.backends.end();
}

void check(const options& o) {
    for (const auto& b : o.backends)
        if (std::find(backend_names().begin(), backend_names().end(), b) == backend_names().end())
            throw usage_error(fmt::format("--backend: unknown backend '{}' (known: {}, or all)", b,
                                          fmt::join(backend_names(), ", ")));
    if (o.rounds > max_rounds)
        throw usage_error(fmt::format("--rounds: expected 1 to {}, got {}", max_rounds, o.rounds));
    if (o.scale && o.tasks > max_tasks)
        throw usage_error(fmt::format("--tasks: expected 1 to {}, got {}", max_tasks, o.tasks));
    // Every chosen backend runs N tasks: the smallest task limit among them binds.
    std::size_t most = max_tasks;
    std::string_view binding;  // the backend whose limit binds, if any
    for (auto name : backend_names())
        if (chosen(o, name) && make_backend(name)->task_limit() < most) {
            most = make_backend(name)->task_limit();
            binding = name;
        }
    if (!o.scale && o.tasks > most) {
        const std::string why = binding.empty() ? "" : fmt::format(" (every backend runs N tasks, and {} runs at most "
                                                                   "{}; --scale goes further)",
                                                                   binding, most);
        throw usage_error(fmt::format("--tasks: expected 1 to {}{}, got {}", most, why, o.tasks));
    }
    if (o.yields == 0 || o.yields > 1'000'000) throw usage_error("yields: expected 1 to 1000000");
}

results run(const options& o) {
    check(o);
    results r;
    if (o.scale) {
        options scale = o;
        if (!scale.rounds) scale.rounds = default_scale_rounds;
        r = run_scale(scale);
    } else {
        r = run_bench(o);
    }
    r.notes = run_notes(r);
    return r;
}

}  // namespace tasklab::bench
