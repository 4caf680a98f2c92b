#include "cli/demo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "bench/bench.hpp"
#include "bench/c10k.hpp"
#include "cli/terminal.hpp"
#include "tasklab/backends/catalog.hpp"
#include "tasklab/comparison.hpp"
#include "tasklab/format/table.hpp"
#include "tasklab/format/timeline.hpp"
#include "tasklab/metrics.hpp"
#include "tasklab/text.hpp"

namespace tasklab::cli {
namespace {

using param_list = param_texts;

const backend_runs& by_name(const comparison& c, std::string_view name) {
    return *std::find_if(c.results.begin(), c.results.end(), [&](const backend_runs& r) { return r.backend == name; });
}

const run_metrics& metrics_of(const comparison& c, std::string_view name) {
    return by_name(c, name).representative_metrics();
}

double wall(const comparison& c, std::string_view name) { return metrics_of(c, name).wall_s; }

std::string ms(double seconds) { return fmt::format("{:.1f} ms", seconds * 1e3); }

/// "a, b and c"
std::string list_of(const std::vector<std::string>& items) {
    if (items.empty()) return "none";
    if (items.size() == 1) return items.front();
    std::vector<std::string> head(items.begin(), items.end() - 1);
    return fmt::format("{} and {}", fmt::join(head, ", "), items.back());
}

class tour {
public:
    tour(const registry& registry, const demo_options& options, std::ostream& out)
        : registry_(registry), options_(options), out_(out), progress_(options.quiet) {}

    comparison run(std::string_view task, std::size_t tasks, double time_scale, const param_list& params,
                   const std::vector<std::string_view>& backends, sharing memory = sharing::shared,
                   bool record_waits = false) {
        const auto* type = registry_.find(task);
        scenario_settings settings;
        settings.tasks = tasks;
        settings.time_scale = time_scale;
        settings.memory = memory;
        const auto s = make_scenario(*type, std::move(settings), params);
        // The lesson's models: the built-in backends, whatever else the registry holds.
        std::vector<std::unique_ptr<backend>> made;
        std::vector<const backend*> chosen;
        for (auto name : backends) chosen.push_back(made.emplace_back(make_backend(name)).get());
        compare_options options;
        options.run.record_waits = record_waits;
        if (progress_.active()) {
            options.run.progress = [this](std::size_t done, std::size_t total) { progress_.update(done, total); };
            options.on_run = [this](std::string_view b, std::size_t r, std::size_t n, bool w) {
                progress_.start_run(b, r, n, w);
            };
        }
        auto c = compare(s, chosen, options);
        progress_.clear();
        for (const auto& r : c.results)
            for (const auto& rep : r.runs) ok_ = ok_ && measure(rep).tasks_failed == 0 && rep.result.check_passed;
        return c;
    }

    void heading(std::string_view title, std::string_view intro) {
        const char* bold = options_.colour ? "\x1b[1m" : "";
        const char* reset = options_.colour ? "\x1b[0m" : "";
        out_ << fmt::format("\n{}== {} =={}\n{}\n\n", bold, title, reset, intro);
    }
    void show(const comparison& c, bool resources = false) {
        out_ << format::table(c, {options_.colour, resources, false});
    }

    /// The chapter's conclusion, wrapped for a 100-column terminal.
    void conclude(const std::string& text) {
        constexpr std::size_t width = 100;
        std::string line = "=>";
        std::size_t start = 0;
        out_ << "\n";
        while (start < text.size()) {
            auto end = text.find(' ', start);
            if (end == std::string::npos) end = text.size();
            const auto word = std::string_view(text).substr(start, end - start);
            if (line.size() + 1 + word.size() > width) {
                out_ << line << "\n";
                line = "  ";
            }
            line += ' ';
            line += word;
            start = end + 1;
        }
        out_ << line << "\n";
    }
    bool ok() const { return ok_; }

    void downloads() {
        heading("1. Downloads: one after another, or all at once",
                "Ten downloads that only wait (the lesson's 1 to 10 s, here 1 simulated s = 20 ms).");
        const auto c = run("download", 10, 0.02, {}, lesson_backend_names(), sharing::shared, true);
        show(c);
        const auto& seq = by_name(c, "sequential").representative();
        double sum = 0, longest = 0;
        for (const auto& rec : seq.records) {
            const double s = static_cast<double>(rec.value) / 1000 * c.settings.time_scale;
            sum += s;
            longest = std::max(longest, s);
        }
        std::vector<std::string> overlapped;
        double most_cores = 0;
        for (const auto& r : c.results) {
            const auto& m = r.representative_metrics();
            most_cores = std::max(most_cores, m.parallelism);
            if (judge(m).concurrent) overlapped.push_back(fmt::format("{} {:.2f} s", r.backend, m.wall_s));
        }
        conclude(fmt::format(
            "sequential took {:.2f} s, the sum of the downloads ({:.2f} s). {} took about the longest download "
            "({:.2f} s): their waits overlapped, and at most {:.2f} cores were busy - concurrency without "
            "parallelism.",
            wall(c, "sequential"), sum, list_of(overlapped), longest, most_cores));

        // The same runs over time: a staircase one after another, bars side by side.
        comparison two = c;
        two.results.erase(std::remove_if(two.results.begin(), two.results.end(),
                                         [](const backend_runs& r) {
                                             return r.backend != "sequential" && r.backend != "coroutine";
                                         }),
                          two.results.end());
        out_ << "\n" << format::timeline(two, {std::min<std::size_t>(options_.width, 100), 20, options_.colour});
    }

    void deposits() {
        heading("2. 100 deposits of 1 into one account",
                "Each task reads the balance, holds it 10 simulated ms, writes it back plus 1 (1 simulated s = 0.5 s).\n"
                "The fork children share the account through shared memory, tasklab's default, so that a deposit means "
                "the same\non every backend; the lesson's processes each count in a copy of their own, as the last "
                "table shows.");
        const auto none = run("deposit", 100, 0.5, {{"sync", "none"}}, lesson_backend_names());
        show(none);
        std::vector<std::string> lost, kept;
        for (const auto& r : none.results) {
            const auto& shared = r.representative().result.shared;
            const auto l = shared ? shared->lost() : 0;
            (l > 0 ? lost : kept).push_back(l > 0 ? fmt::format("{} lost {}", r.backend, l) : r.backend);
        }
        conclude(fmt::format("without a lock: {}; {} lost nothing, since its tasks never overlapped. A task that "
                             "waits between reading and writing lets others read the same old balance - even on "
                             "one thread.",
                             list_of(lost), list_of(kept)));

        out_ << "\n";
        const auto locked = run("deposit", 100, 0.5, {{"sync", "lock"}}, lesson_backend_names());
        show(locked);
        std::vector<std::string> complete;
        for (const auto& r : locked.results) {
            const auto& shared = r.representative().result.shared;
            if (shared && shared->lost() == 0) complete.push_back(r.backend);
        }
        // Where the lock cost the most: the backend whose wall time grew the most.
        const auto growth = [&](const backend_runs& r) {
            return r.representative_metrics().wall_s / std::max(wall(none, r.backend), 1e-9);
        };
        const auto& most = *std::max_element(locked.results.begin(), locked.results.end(),
                                             [&](const auto& a, const auto& b) { return growth(a) < growth(b); });
        conclude(fmt::format("with the lock, {} kept all {} deposits. The lock lets one task hold the balance at "
                             "a time, so the holds no longer overlap: {} needed {:.3f} s instead of {:.3f} s.",
                             list_of(complete), locked.settings.tasks, most.backend, wall(locked, most.backend),
                             wall(none, most.backend)));

        out_ << "\n";
        const auto copies = run("deposit", 100, 0.5, {{"sync", "none"}}, {"fork"}, sharing::private_copy);
        show(copies);
        const auto& r = copies.results.front().representative();
        const auto own_copy = std::count_if(r.records.begin(), r.records.end(), [](const task_record& rec) {
            return rec.status == task_status::ok && rec.value == 1;
        });
        conclude(fmt::format("with private (copy-on-write) memory, and no lock since nobody shares anything, the "
                             "parent's balance is still {} after {} deposits: {} children each saw a balance of 1 "
                             "after depositing - into their own copy, which died with them.",
                             r.result.shared ? r.result.shared->actual : 0, copies.settings.tasks, own_copy));
    }

    void frozen_loop() {
        heading("3. The frozen loop",
                "A heartbeat ticks every 1 ms beside the tasks - on the coroutines' own event loop, or on a thread "
                "of its own.\nFirst the lesson's frozen window: four downloads that block their thread (a blocking "
                "call, like time.sleep\nin a button handler) instead of awaiting. Then two tasks that sum 1..n. How "
                "late does the heartbeat get?");
        const param_list awaits{{"wait", "await"}};
        const param_list blocks{{"wait", "block"}};
        const auto awaiting = run("download", 4, 0.02, awaits, {"coroutine"});
        const auto blocking = run("download", 4, 0.02, blocks, {"coroutine"});
        const auto blocking_threads = run("download", 4, 0.02, blocks, {"thread"});
        const param_list plain{{"n", "1000000000"}};
        const param_list yielding{{"n", "1000000000"}, {"yield-every", "100000"}};
        const auto frozen = run("compute", 2, 1, plain, {"coroutine"});
        const auto live = run("compute", 2, 1, yielding, {"coroutine"});
        const auto threads = run("compute", 2, 1, plain, {"thread"});

        const auto row = [](std::string_view label, const comparison& c) {
            const auto& m = c.results.front().representative_metrics();
            return fmt::format("{:<40}{:>10}{:>16}{:>12}{:>18}\n", label, fmt::format("{:.3f} s", m.wall_s),
                               ms(m.heartbeat_max_lag_s), ms(m.heartbeat_p99_lag_s), ms(m.longest_task_s));
        };
        out_ << fmt::format("{:<40}{:>10}{:>16}{:>12}{:>18}\n", "", "wall", "lag max", "lag p99", "longest task");
        out_ << row("coroutine, downloads await", awaiting) << row("coroutine, downloads block the thread", blocking)
             << row("thread, downloads block the thread", blocking_threads);
        const auto& a = awaiting.results.front().representative_metrics();
        const auto& b = blocking.results.front().representative_metrics();
        const auto& bt = blocking_threads.results.front().representative_metrics();
        conclude(fmt::format(
            "a blocking call on the event loop stops everything on it: the downloads ran one after another ({:.3f} "
            "s instead of {:.3f} s) and the heartbeat waited up to {} - the frozen window. Awaited, the same waits "
            "overlapped and it waited {}. The lesson's cure is a thread: there each download blocks only its own "
            "thread, the run took {:.3f} s and the heartbeat waited {}.",
            b.wall_s, a.wall_s, ms(b.heartbeat_max_lag_s), ms(a.heartbeat_max_lag_s), bt.wall_s,
            ms(bt.heartbeat_max_lag_s)));

        out_ << "\n"
             << row("coroutine, sum, no yield", frozen) << row("coroutine, sum, yield every 100000", live)
             << row("thread, sum, no yield", threads);
        const auto& f = frozen.results.front().representative_metrics();
        const auto& l = live.results.front().representative_metrics();
        const auto& t = threads.results.front().representative_metrics();
        conclude(fmt::format(
            "a computation freezes the loop the same way: the heartbeat waited {} of the run's {} (each task ran {} "
            "without giving the loop back). Yielding every 100000 additions kept its worst wait at {} (p99 {}), "
            "for a wall time of {:.3f} s instead of {:.3f} s. Threads need no yields: the OS preempts them, and "
            "the heartbeat's worst wait was {} (p99 {}).",
            ms(f.heartbeat_max_lag_s), ms(f.wall_s), ms(f.longest_task_s), ms(l.heartbeat_max_lag_s),
            ms(l.heartbeat_p99_lag_s), l.wall_s, f.wall_s, ms(t.heartbeat_max_lag_s), ms(t.heartbeat_p99_lag_s)));
    }

    void compute() {
        heading("4. A CPU-bound sum split in two",
                "Sum 1..n in two parts, one per task, on every backend (no waiting: pure computation).");
        const auto c = run("compute", 2, 1, {}, lesson_backend_names());
        show(c);
        const double seq = wall(c, "sequential");
        std::vector<std::string> parallel, serial;
        for (const auto& r : c.results) {
            const auto& m = r.representative_metrics();
            const auto text = fmt::format("{} {:.2f}x ({:.2f} cores)", r.backend, seq / m.wall_s, m.parallelism);
            (judge(m).parallel ? parallel : serial).push_back(text);
        }
        const auto& first = c.results.front().representative().result.value;
        const bool same = std::all_of(c.results.begin(), c.results.end(), [&](const backend_runs& r) {
            return r.representative().result.value == first && r.representative().result.check_passed;
        });
        conclude(fmt::format("speed-up over sequential: in parallel {}; one core at a time {}. {}",
                             list_of(parallel), list_of(serial),
                             same ? "Every backend got the same, checked answer."
                                  : "The backends disagree on the answer - see the check column."));
    }

    void connections() {
        heading("5. Many slow connections: an event loop, a thread each, a process each",
                "Real sockets: each task fetches 1 KiB from tasklab's HTTP server, paced to last 0.5 s, and all are\n"
                "meant to be open at once - 1,000 on the coroutine and thread backends, 200 on fork (tasklab c10k\n"
                "goes to 10,000).");
        bench::c10k_options o;
        o.hold_s = 0.5;
        o.backends = {"coroutine", "thread"};
        o.smallest = o.largest = 1'000;
        if (progress_.active()) progress_.step("demo", 0, 2, "1,000 connections on coroutine and thread");
        auto r = bench::run_c10k(o);
        o.backends = {"fork"};
        o.smallest = o.largest = 200;
        if (progress_.active()) progress_.step("demo", 1, 2, "200 connections on fork");
        auto forks = bench::run_c10k(o);
        progress_.clear();
        for (auto& s : forks.series) r.series.push_back(std::move(s));
        out_ << bench::c10k_points(r, options_.colour);

        const auto point = [&](std::string_view backend) -> const bench::c10k_point* {
            for (const auto& s : r.series)
                if (s.backend == backend && !s.points.empty()) return &s.points.back();
            return nullptr;
        };
        const auto* co = point("coroutine");
        const auto* th = point("thread");
        const auto* fk = point("fork");
        for (const auto* p : {co, th, fk}) ok_ = ok_ && p && p->failed == 0;
        if (!co || !th || !fk) {
            conclude("a backend could not hold its connections: see tasklab c10k for where and why.");
            return;
        }
        const auto held = [](const bench::c10k_point& p) {
            return p.held == p.connections ? fmt::format("all {}", bench::grouped(p.connections))
                                           : fmt::format("only {} of {}", bench::grouped(p.held),
                                                         bench::grouped(p.connections));
        };
        const auto per_fork =
            duration_text(fk->start_spread_s / static_cast<double>(std::max<std::size_t>(1, fk->connections)));
        const auto forks_text =
            fk->held < fk->connections
                ? fmt::format("A process per connection held {} at once: a new one started every {}, so the "
                              "first connections ended before the last began ({:.2f} s in all) - the model's own cost, "
                              "long before any limit of the kernel.",
                              held(*fk), per_fork, fk->wall_s)
                : fmt::format("A process per connection held {} ({:.2f} s), starting one every {} - at this rate "
                              "a few thousand would no longer be open at once.",
                              held(*fk), fk->wall_s, per_fork);
        conclude(fmt::format(
            "the event loop held {} connections on {} in {:.2f} s, {} of tasklab's memory each; one thread per "
            "connection held {} on {} ({:.2f} s, {} each). {} Where each stops, and what a connection costs the "
            "machine: tasklab c10k.",
            held(*co), co->workers == 1 ? "one thread" : fmt::format("{} threads", co->workers), co->wall_s,
            bytes_text(co->memory_bytes), held(*th), fmt::format("{} threads", bench::grouped(th->workers)),
            th->wall_s, bytes_text(th->memory_bytes), forks_text));
    }

private:
    const registry& registry_;
    const demo_options& options_;
    std::ostream& out_;
    progress_line progress_;
    bool ok_ = true;
};

}  // namespace

int run_demo(const registry& registry, const demo_options& options, std::ostream& out) {
    for (auto name : {"download", "deposit", "compute"})
        if (!registry.find(name)) {
            out << "the demo needs the built-in task types: call tasklab::add_builtin_tasks(registry)\n";
            return 1;
        }
    out << "tasklab demo: the same tasks on four backends - sequential, coroutine (one thread, one event loop),\n"
           "thread (one OS thread per task) and fork (one process per task) - measured side by side.\n"
           "concurrency = task time / wall time (tasks in flight), parallelism = CPU / run time (cores busy).\n";
    machine_load load;
    load.before = load_average();
    load.cores = usable_cores();
    tour t(registry, options, out);
    t.downloads();
    t.deposits();
    t.frozen_loop();
    t.compute();
    t.connections();
    load.after = load_average();
    if (load.before >= 0 && load.after >= 0) {
        out << fmt::format("\n1-minute load average: {:.2f} before the demo, {:.2f} after ({} cores usable)\n",
                           load.before, load.after, load.cores);
        if (load.busy())
            out << "Other programs kept the cores busy: the parallelism figures above are lower bounds, and the "
                   "times may be longer than on an idle machine.\n";
    }
    out << "\nNext: tasklab list; tasklab run <task> --help; docs/measurements.md defines every column.\n";
    return t.ok() ? 0 : 1;
}

}  // namespace tasklab::cli
