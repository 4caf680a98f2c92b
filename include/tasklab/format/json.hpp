#pragma once
// The machine-readable report; schema in docs/json-schema.md.
#include <string>

#include "tasklab/comparison.hpp"

namespace tasklab::format {

std::string json(const comparison& c);

}  // namespace tasklab::format
