#pragma once
#include "tasklab/task.hpp"

namespace tasklab {

/// The lesson's downloads: each task waits a seeded random time in [min, max] simulated
/// seconds without using a CPU, and returns that time in simulated milliseconds.
class download_task final : public task_type {
public:
    std::string_view name() const override { return "download"; }
    std::string_view summary() const override;
    std::vector<param_spec> params() const override;
    std::size_t default_tasks() const override { return 10; }
    std::unique_ptr<const workload> make(const scenario_settings& settings) const override;
};

/// The duration of download `index` in simulated seconds: a pure function of the seed, so
/// the same seed gives the same durations on every backend and in every process.
double download_duration(std::uint64_t seed, std::size_t index, double min_s, double max_s) noexcept;

}  // namespace tasklab
