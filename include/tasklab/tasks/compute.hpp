#pragma once
#include <cstdint>

#include "tasklab/task.hpp"

namespace tasklab {

/// Day13's divide-and-conquer sum: 1..n split into one part per task, each task sums its
/// part, the parts are reduced and checked against n(n+1)/2. CPU-bound.
class compute_task final : public task_type {
public:
    std::string_view name() const override { return "compute"; }
    std::string_view summary() const override;
    std::vector<param_spec> params() const override;
    std::size_t default_tasks() const override { return 2; }
    std::unique_ptr<const workload> make(const scenario_settings& settings) const override;
};

/// The bounds [first, last] of part `index` of `parts` over 1..n (the last part takes the rest).
struct sum_range {
    std::int64_t first = 1;
    std::int64_t last = 0;
};
sum_range part_of(std::int64_t n, std::size_t parts, std::size_t index) noexcept;

/// first + (first+1) + ... + last, one addition per number: the work of a compute task. The
/// sum wraps past 64 bits (unsigned arithmetic, as the closed form's would), never overflows.
std::int64_t add_one_by_one(std::int64_t first, std::int64_t last) noexcept;

}  // namespace tasklab
