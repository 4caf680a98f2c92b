#pragma once
// The comparison as a person reads it: the main table, a table of responsiveness and
// resources, a verdict per backend, and the ranking on wall time.
#include <string>

#include "tasklab/comparison.hpp"

namespace tasklab::format {

struct table_style {
    bool colour = false;
    bool resources = true;  // the second table: heartbeat lag, task CPU, memory, switches
    bool load = true;       // the machine's load around the comparison (the demo says it once)
};

std::string table(const comparison& c, table_style style = {});

}  // namespace tasklab::format
