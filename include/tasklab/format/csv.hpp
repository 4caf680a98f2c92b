#pragma once
// One CSV row per backend (RFC 4180): the figures of the JSON report, flat, for spreadsheets.
#include <string>

#include "tasklab/comparison.hpp"

namespace tasklab::format {

std::string csv(const comparison& c);

}  // namespace tasklab::format
