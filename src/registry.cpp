#include "tasklab/registry.hpp"

#include <stdexcept>
#include <string>

namespace tasklab {

void task_registry::add(std::unique_ptr<task_type> type) {
    if (!type || type->name().empty()) throw std::invalid_argument("a task type needs a name");
    if (find(type->name()))
        throw std::invalid_argument("task type '" + std::string(type->name()) + "' is already registered");
    types_.push_back(std::move(type));
}

const task_type* task_registry::find(std::string_view name) const noexcept {
    for (const auto& t : types_)
        if (t->name() == name) return t.get();
    return nullptr;
}

}  // namespace tasklab
