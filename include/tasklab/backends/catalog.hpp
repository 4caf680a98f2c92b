#pragma once
// The built-in backends by name, in the order reports show them.
#include <memory>
#include <string_view>
#include <vector>

#include "tasklab/backend.hpp"
#include "tasklab/registry.hpp"

namespace tasklab {

/// Registers sequential, coroutine, thread and fork, in that order.
void add_builtin_backends(registry& r);

/// "sequential", "coroutine", "thread", "fork".
const std::vector<std::string_view>& backend_names();
/// nullptr for an unknown name.
std::unique_ptr<backend> make_backend(std::string_view name);

}  // namespace tasklab
