#pragma once
#include "tasklab/task.hpp"

namespace tasklab {

/// The lesson's downloads made real: task i connects to an HTTP server, GETs
/// /bytes/<size>, paced so that it lasts the same seeded time as download task i, and checks
/// the status, the length and the checksum of what it read. Without `--url`, tasklab starts
/// its embedded server (http_server.hpp) for the run.
class fetch_task final : public task_type {
public:
    std::string_view name() const override { return "fetch"; }
    std::string_view summary() const override;
    std::vector<param_spec> params() const override;
    std::size_t default_tasks() const override { return 10; }
    std::unique_ptr<const workload> make(const scenario_settings& settings) const override;
};

}  // namespace tasklab
