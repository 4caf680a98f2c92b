#include "cli/demo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "tasklab/backends/catalog.hpp"
#include "tasklab/format/table.hpp"
#include "tasklab/metrics.hpp"

namespace tasklab::cli {
namespace {

struct chapter_run {
    scenario s;
    std::vector<run_report> reports;
};

chapter_run run_on(const task_registry& registry, std::string_view task, std::size_t tasks, double time_scale,
                   std::vector<std::pair<std::string, std::string>> params, std::vector<std::string_view> backends,
                   sharing memory = sharing::shared) {
    const auto* type = registry.find(task);
    scenario_settings settings;
    settings.tasks = tasks;
    settings.seed = 1;
    settings.time_scale = time_scale;
    settings.memory = memory;
    settings.params = param_values(type->params());
    for (const auto& [name, value] : params) settings.params.set(name, value);
    chapter_run out{make_scenario(*type, std::move(settings)), {}};
    for (auto name : backends) out.reports.push_back(make_backend(name)->run(out.s));
    return out;
}

const run_report& by_name(const chapter_run& c, std::string_view name) {
    return *std::find_if(c.reports.begin(), c.reports.end(), [&](const run_report& r) { return r.backend == name; });
}

double wall(const run_report& r) { return measure(r).wall_s; }

/// "a, b and c"
std::string list_of(const std::vector<std::string>& items) {
    if (items.empty()) return "none";
    if (items.size() == 1) return items.front();
    std::vector<std::string> head(items.begin(), items.end() - 1);
    return fmt::format("{} and {}", fmt::join(head, ", "), items.back());
}

class tour {
public:
    tour(const task_registry& registry, const demo_options& options, std::ostream& out)
        : registry_(registry), options_(options), out_(out) {}

    void heading(std::string_view title, std::string_view intro) {
        const char* bold = options_.colour ? "\x1b[1m" : "";
        const char* reset = options_.colour ? "\x1b[0m" : "";
        out_ << fmt::format("\n{}== {} =={}\n{}\n\n", bold, title, reset, intro);
    }
    void show(const chapter_run& c) {
        out_ << format::table(c.s.settings, c.reports, {options_.colour});
        for (const auto& r : c.reports)
            ok_ = ok_ && measure(r).tasks_failed == 0 && r.result.check_passed;
    }
    /// The chapter's conclusion, wrapped for an 100-column terminal.
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
        const auto c = run_on(registry_, "download", 10, 0.02, {}, backend_names());
        show(c);
        const auto& seq = by_name(c, "sequential");
        double sum = 0, longest = 0;
        for (const auto& rec : seq.records) {
            sum += static_cast<double>(rec.value) / 1000 * c.s.settings.time_scale;
            longest = std::max(longest, static_cast<double>(rec.value) / 1000 * c.s.settings.time_scale);
        }
        std::vector<std::string> overlapped;
        for (const auto& r : c.reports)
            if (judge(measure(r)).concurrent) overlapped.push_back(fmt::format("{} {:.2f} s", r.backend, wall(r)));
        conclude(fmt::format(
            "sequential took {:.2f} s, the sum of the downloads ({:.2f} s). {} took about the longest download "
            "({:.2f} s): their waits overlapped, and at most {:.2f} cores were busy - concurrency without "
            "parallelism.",
            wall(seq), sum, list_of(overlapped), longest, max_parallelism(c)));
    }

    void deposits() {
        heading("2. 100 deposits of 1 into one account",
                "Each task reads the balance, holds it 10 simulated ms, writes it back plus 1 (1 simulated s = 0.5 s).");
        const auto none = run_on(registry_, "deposit", 100, 0.5, {{"sync", "none"}}, backend_names());
        show(none);
        std::vector<std::string> lost, kept;
        for (const auto& r : none.reports) {
            const auto l = r.result.shared ? r.result.shared->lost() : 0;
            if (l > 0)
                lost.push_back(fmt::format("{} lost {}", r.backend, l));
            else
                kept.push_back(r.backend);
        }
        conclude(fmt::format("without a lock: {}; {} lost nothing, since its tasks never overlapped. A task that "
                             "waits between reading and writing lets others read the same old balance - even on "
                             "one thread.",
                             list_of(lost), list_of(kept)));

        out_ << "\n";
        const auto locked = run_on(registry_, "deposit", 100, 0.5, {{"sync", "lock"}}, backend_names());
        show(locked);
        std::vector<std::string> complete;
        for (const auto& r : locked.reports)
            if (r.result.shared && r.result.shared->lost() == 0) complete.push_back(r.backend);
        // Where the lock cost the most: the backend whose wall time grew the most.
        const auto growth = [&](const run_report& r) { return wall(r) / std::max(wall(by_name(none, r.backend)), 1e-9); };
        const auto& most = *std::max_element(locked.reports.begin(), locked.reports.end(),
                                             [&](const auto& a, const auto& b) { return growth(a) < growth(b); });
        conclude(fmt::format("with the lock, {} kept all {} deposits. The lock lets one task hold the balance at "
                             "a time, so the holds no longer overlap: {} needed {:.3f} s instead of {:.3f} s.",
                             list_of(complete), locked.s.settings.tasks, most.backend, wall(most),
                             wall(by_name(none, most.backend))));

        out_ << "\n";
        const auto copies = run_on(registry_, "deposit", 100, 0.5, {{"sync", "lock"}}, {"fork"}, sharing::private_copy);
        show(copies);
        const auto& r = copies.reports.front();
        const auto own_copy = std::count_if(r.records.begin(), r.records.end(), [](const task_record& rec) {
            return rec.status == task_status::ok && rec.value == 1;
        });
        conclude(fmt::format("with private (copy-on-write) memory the parent's balance is still {} after {} "
                             "deposits: {} children each saw a balance of 1 after depositing - into their own "
                             "copy, which died with them.",
                             r.result.shared ? r.result.shared->actual : 0, copies.s.settings.tasks, own_copy));
    }

    void compute() {
        heading("3. A CPU-bound sum split in two",
                "Sum 1..n in two parts, one per task, on every backend (no waiting: pure computation).");
        const auto c = run_on(registry_, "compute", 2, 1, {}, backend_names());
        show(c);
        const auto& seq = by_name(c, "sequential");
        std::vector<std::string> parallel, serial;
        for (const auto& r : c.reports) {
            const auto m = measure(r);
            const auto text = fmt::format("{} {:.2f}x ({:.2f} cores)", r.backend, wall(seq) / m.wall_s, m.parallelism);
            (judge(m).parallel ? parallel : serial).push_back(text);
        }
        const bool same = std::all_of(c.reports.begin(), c.reports.end(),
                                      [&](const auto& r) { return r.result.value == seq.result.value; });
        conclude(fmt::format("speed-up over sequential: in parallel {}; one core at a time {}. {}",
                             list_of(parallel), list_of(serial),
                             same ? "Every backend got the same, checked answer."
                                  : "The backends disagree on the answer - see the check column."));
    }

private:
    static double max_parallelism(const chapter_run& c) {
        double most = 0;
        for (const auto& r : c.reports) most = std::max(most, measure(r).parallelism);
        return most;
    }

    const task_registry& registry_;
    const demo_options& options_;
    std::ostream& out_;
    bool ok_ = true;
};

}  // namespace

int run_demo(const task_registry& registry, const demo_options& options, std::ostream& out) {
    for (auto name : {"download", "deposit", "compute"})
        if (!registry.find(name)) {
            out << "the demo needs the built-in task types: call tasklab::add_builtin_tasks(registry)\n";
            return 1;
        }
    out << "tasklab demo: the same tasks on four backends - sequential, coroutine (one thread, one event loop),\n"
           "thread (one OS thread per task) and fork (one process per task) - measured side by side.\n"
           "concurrency = task time / wall time (tasks in flight), parallelism = CPU time / wall time (cores busy).\n";
    tour t(registry, options, out);
    t.downloads();
    t.deposits();
    t.compute();
    out << "\nNext: tasklab list; tasklab run <task> --help; docs/measurements.md defines every column.\n";
    return t.ok() ? 0 : 1;
}

}  // namespace tasklab::cli
