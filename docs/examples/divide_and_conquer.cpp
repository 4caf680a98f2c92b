// divide_and_conquer.cpp - add up 1..n by splitting the range over child processes.
//
// What it teaches: a big job can be cut into independent slices, one per process. Each child
// sums its own slice and sends back just that partial sum (its task_result, over a pipe);
// the parent adds the partials. Processes share no memory here - only the results travel -
// and the answer is checked against the formula n(n+1)/2.
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

int run(double time_scale, const std::string& n) {
    tasklab::scenario_settings settings;
    settings.tasks = 4;
    settings.time_scale = time_scale;
    const auto s = tasklab::make_scenario(slice_sum_task{}, settings, {{"n", n}});

    fmt::print("Parent {} sums 1..{} in {} slices, one child process each.\n", ::getpid(), n, settings.tasks);
    const auto report = tasklab::fork_backend{}.run(s);
    for (const auto& r : report.records)
        fmt::print("  slice {} summed by child {}: {}\n", r.index, r.worker,
                   r.status == tasklab::task_status::ok ? std::to_string(r.value) : r.error);
    fmt::print("Partial sums added up: {} ({})\n", report.result.value.value_or(0), report.result.check);
    if (!report.result.check_passed) {
        fmt::print("FAILED: the partial sums do not add up to n(n+1)/2\n");
        return 1;
    }
    fmt::print("Each child did a quarter of the work; the parent only added four numbers.\n");
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
