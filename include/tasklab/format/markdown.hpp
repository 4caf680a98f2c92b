#pragma once
// The comparison as Markdown, ready to paste into docs: the scenario, both tables, the verdicts
// and the ranking.
#include <string>

#include "tasklab/comparison.hpp"

namespace tasklab::format {

std::string markdown(const comparison& c);

}  // namespace tasklab::format
