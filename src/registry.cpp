#include "tasklab/registry.hpp"

#include <stdexcept>
#include <string>

namespace tasklab {

void registry::add(std::unique_ptr<task_type> type) {
    if (!type || type->name().empty()) throw std::invalid_argument("a task type needs a name");
    if (find(type->name()))
        throw std::invalid_argument("task type '" + std::string(type->name()) + "' is already registered");
    types_.push_back(std::move(type));
}

void registry::add(std::unique_ptr<backend> b) {
    if (!b || b->name().empty()) throw std::invalid_argument("a backend needs a name");
    if (find_backend(b->name()))
        throw std::invalid_argument("backend '" + std::string(b->name()) + "' is already registered");
    backends_.push_back(std::move(b));
}

const task_type* registry::find(std::string_view name) const noexcept {
    for (const auto& t : types_)
        if (t->name() == name) return t.get();
    return nullptr;
}

const backend* registry::find_backend(std::string_view name) const noexcept {
    for (const auto& b : backends_)
        if (b->name() == name) return b.get();
    return nullptr;
}

}  // namespace tasklab
