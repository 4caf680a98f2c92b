// divide_and_conquer.cpp - the original lesson's follow-up: add up 1..100000000 in one
// process, then in 8 child processes, and time both.
//
// What it teaches: a big job can be cut into independent slices, one per process. Each child
// sums its own slice and sends back just that partial sum (its task_result, over a pipe);
// the parent adds the partials. Processes share no memory here - only the results travel -
// and the answer is checked against the formula n(n+1)/2. The same 8 slices summed one after
// another in one process give the time to compare with: with more cores than one, the
// children finish sooner, by about the number of cores (not 8, however many slices there are).
//
// Usage: example_divide_and_conquer [time-scale] [n]   (n defaults to 100000000)
#include <tasklab/tasklab.hpp>

#include <fmt/core.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace {

std::int64_t formula(std::int64_t n) { return n % 2 == 0 ? n / 2 * (n + 1) : (n + 1) / 2 * n; }

class slice_sums final : public tasklab::workload {
public:
    explicit slice_sums(std::int64_t n) : n_(n) {}

    // Child number i of k sums the i-th slice; the last one also takes the remainder.
    tasklab::awaitable<tasklab::task_result> run(tasklab::context& ctx) const override {
        const auto k = static_cast<std::int64_t>(ctx.identity().count);
        const auto i = static_cast<std::int64_t>(ctx.index());
        const std::int64_t first = i * (n_ / k) + 1;
        const std::int64_t last = i + 1 == k ? n_ : (i + 1) * (n_ / k);
        std::int64_t sum = 0;
        for (std::int64_t x = first; x <= last; ++x) sum += x;
        co_return tasklab::task_result{sum};
    }

    // Runs in the parent, after every child has reported.
    tasklab::outcome conclude(std::span<const tasklab::task_record> records, const void*) const override {
        tasklab::outcome o;
        std::int64_t total = 0;
        for (const auto& r : records) {
            if (r.status != tasklab::task_status::ok) {
                o.check = fmt::format("slice {} is missing: {}", r.index, r.error);
                o.check_passed = false;
                return o;
            }
            total += r.value;
        }
        o.value = total;
        o.check_passed = total == formula(n_);
        o.check = fmt::format("{} n(n+1)/2 = {}", o.check_passed ? "=" : "!=", formula(n_));
        return o;
    }

private:
    std::int64_t n_;
};

class slice_sum_task final : public tasklab::task_type {
public:
    std::string_view name() const override { return "slice-sum"; }
    std::string_view summary() const override { return "sum 1..n in slices, one per task"; }
    std::vector<tasklab::param_spec> params() const override {
        // At most 4e9, so that n(n+1)/2 still fits in 64 bits.
        return {{"n", "sum the integers 1..n", tasklab::param_kind::integer, "100000000", 1, 4e9, {}}};
    }
    std::unique_ptr<const tasklab::workload> make(const tasklab::scenario_settings& settings) const override {
        const auto n = settings.params.integer("n");
        if (static_cast<std::size_t>(n) < settings.tasks)
            throw tasklab::usage_error(fmt::format("n = {} cannot be cut into {} slices", n, settings.tasks));
        return std::make_unique<slice_sums>(n);
    }
};

// The run's wall time, after printing each slice and checking the total.
double sum_in_slices(const tasklab::backend& backend, const tasklab::scenario& s, bool& ok) {
    const auto report = backend.run(s);
    for (const auto& r : report.records)
        fmt::print("    slice {} summed by {} {}: {}\n", r.index,
                   report.workers == tasklab::worker_kind::process ? "child" : "process", r.worker,
                   r.status == tasklab::task_status::ok ? std::to_string(r.value) : r.error);
    const double wall_s = tasklab::measure(report).wall_s;
    fmt::print("  {}: {:.3f} s, partial sums added up to {} ({})\n", backend.name(), wall_s,
               report.result.value.value_or(0), report.result.check);
    if (!report.result.check_passed) {
        fmt::print("FAILED: the partial sums do not add up to n(n+1)/2\n");
        ok = false;
    }
    return wall_s;
}

int run(double time_scale, const std::string& n) {
    tasklab::scenario_settings settings;
    settings.tasks = 8;  // the lesson's 8 processes
    settings.time_scale = time_scale;
    const auto s = tasklab::make_scenario(slice_sum_task{}, settings, {{"n", n}});

    bool ok = true;
    fmt::print("Parent {} sums 1..{} in {} slices: first one after another in this process,\n", ::getpid(), n,
               settings.tasks);
    const double one_process_s = sum_in_slices(tasklab::sequential_backend{}, s, ok);
    fmt::print("then in one child process per slice, on a machine with {} usable cores:\n", tasklab::usable_cores());
    const double children_s = sum_in_slices(tasklab::fork_backend{}, s, ok);
    if (!ok) return 1;
    // Printed, not checked: how much sooner depends on the cores and on what else runs.
    const double speedup = one_process_s / children_s;
    fmt::print("The {} children were {:.2f}x as fast as the one process; the parent only added {} numbers.\n",
               settings.tasks, speedup, settings.tasks);
    if (speedup < 1.2)
        fmt::print("No real gain at this n: the whole sum took {:.0f} ms in one process, about what starting {} "
                   "processes costs. A larger n, the second argument "
                   "(up to 4000000000), shows the gain.\n",
                   one_process_s * 1e3, settings.tasks);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc > 1 ? std::atof(argv[1]) : 1.0, argc > 2 ? argv[2] : "100000000");
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 2;
    }
}
