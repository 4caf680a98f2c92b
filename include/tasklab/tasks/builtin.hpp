#pragma once
#include "tasklab/registry.hpp"

namespace tasklab {

/// Registers download, deposit and compute.
void add_builtin_tasks(registry& registry);

}  // namespace tasklab
