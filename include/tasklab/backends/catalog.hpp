#pragma once
// The built-in backends by name, in the order reports show them.
#include <memory>
#include <string_view>
#include <vector>

#include "tasklab/backend.hpp"
#include "tasklab/registry.hpp"

namespace tasklab {

/// Registers every built-in backend, in the order of backend_names().
void add_builtin_backends(registry& r);

/// "sequential", "coroutine", "thread", "fork" (the lesson's four: lesson_backend_names()),
/// then the models in between: "pool".
const std::vector<std::string_view>& backend_names();
/// The lesson's four extremes: one task at a time, all on one thread, a thread each, a
/// process each.
const std::vector<std::string_view>& lesson_backend_names();
/// nullptr for an unknown name.
std::unique_ptr<backend> make_backend(std::string_view name);

}  // namespace tasklab
