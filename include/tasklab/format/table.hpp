#pragma once
// The comparison table a person reads: one row per backend, then a verdict per row.
#include <span>
#include <string>

#include "tasklab/report.hpp"
#include "tasklab/scenario.hpp"

namespace tasklab::format {

struct table_style {
    bool colour = false;
};

std::string table(const scenario_settings& settings, std::span<const run_report> reports,
                  table_style style = {});

}  // namespace tasklab::format
