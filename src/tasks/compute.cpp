#include "tasklab/tasks/compute.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "tasklab/errors.hpp"
#include "tasklab/scenario.hpp"

namespace tasklab {

std::string_view compute_task::summary() const {
    return "divide-and-conquer sum of 1..n, one part per task, checked against n(n+1)/2 (CPU-bound)";
}

// n(n+1)/2 must fit in int64: n <= 4'294'967'295 would, 4e9 leaves room.
constexpr std::int64_t largest_n = 4'000'000'000;

std::vector<param_spec> compute_task::params() const {
    return {
        {"n", "sum the integers 1..n", param_kind::integer, "2000000000", 1, static_cast<double>(largest_n), {}},
        {"yield-every", "yield to the scheduler every K additions (0: never)", param_kind::integer, "0", 0, 1e12, {}},
    };
}

sum_range part_of(std::int64_t n, std::size_t parts, std::size_t index) noexcept {
    if (parts == 0 || index >= parts || n < 1) return {1, 0};  // an empty part
    const auto p = static_cast<std::int64_t>(parts);
    const auto i = static_cast<std::int64_t>(index);
    const std::int64_t size = n / p;
    const std::int64_t first = i * size + 1;
    const std::int64_t last = index + 1 == parts ? n : first + size - 1;
    return {first, last};
}

std::int64_t add_one_by_one(std::int64_t first, std::int64_t last) noexcept {
    // A plain loop: g++ 12 at -O3 keeps it one addition per number (no closed form, no
    // vectors), so the time it takes is linear in the range. `tasklab bench` times it against
    // the same loop outside tasklab.
    std::uint64_t sum = 0;
    for (std::int64_t k = first; k <= last; ++k) sum += static_cast<std::uint64_t>(k);
    return static_cast<std::int64_t>(sum);
}

namespace {

std::int64_t closed_form(std::int64_t n) noexcept { return n % 2 == 0 ? (n / 2) * (n + 1) : n * ((n + 1) / 2); }

class compute_workload final : public workload {
public:
    compute_workload(std::int64_t n, std::int64_t yield_every) : n_(n), yield_every_(yield_every) {}

    awaitable<task_result> run(context& ctx) const override {
        const auto part = part_of(n_, ctx.identity().count, ctx.index());
        // Without yields the loop runs in slices only so a stop request is noticed.
        const std::int64_t slice = yield_every_ > 0 ? yield_every_ : std::int64_t{1} << 22;
        std::int64_t sum = 0;
        for (std::int64_t first = part.first; first <= part.last;) {
            const std::int64_t last = first + std::min(slice - 1, part.last - first);
            sum += add_one_by_one(first, last);
            first = last + 1;
            if (yield_every_ > 0 && first <= part.last) co_await ctx.yield();
            if (ctx.stop_requested()) throw task_cancelled{};
        }
        co_return task_result{sum};
    }

    outcome conclude(std::span<const task_record> records, const void* shared) const override {
        outcome o = workload::conclude(records, shared);
        const auto expected = closed_form(n_);
        const auto failed = std::count_if(records.begin(), records.end(),
                                          [](const task_record& r) { return r.status != task_status::ok; });
        if (failed > 0) {
            o.check = fmt::format("incomplete: {} of {} parts missing", failed, records.size());
            o.check_passed = false;
        } else {
            o.check_passed = o.value == expected;
            o.check = fmt::format("{} n(n+1)/2 = {}", o.check_passed ? "=" : "!=", expected);
        }
        return o;
    }

private:
    std::int64_t n_;
    std::int64_t yield_every_;
};

}  // namespace

std::unique_ptr<const workload> compute_task::make(const scenario_settings& settings) const {
    const auto n = settings.params.integer("n");
    if (static_cast<std::size_t>(n) < settings.tasks)
        throw usage_error(fmt::format("`n` {} is smaller than `tasks` {}: every part needs a number", n, settings.tasks));
    return std::make_unique<compute_workload>(n, settings.params.integer("yield-every"));
}

}  // namespace tasklab
