#pragma once
// The machine-readable report; schema in docs/json-schema.md.
#include <span>
#include <string>

#include "tasklab/report.hpp"
#include "tasklab/scenario.hpp"

namespace tasklab::format {

std::string json(const scenario_settings& settings, std::span<const run_report> reports);

}  // namespace tasklab::format
