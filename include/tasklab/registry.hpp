#pragma once
// Task types by name. Filled explicitly (add_builtin_tasks, then the user's own), never by
// static initialisers a linker could drop.
#include <memory>
#include <string_view>
#include <vector>

#include "tasklab/task.hpp"

namespace tasklab {

class task_registry {
public:
    /// Throws std::invalid_argument if the name is taken or empty.
    void add(std::unique_ptr<task_type> type);
    const task_type* find(std::string_view name) const noexcept;
    const std::vector<std::unique_ptr<task_type>>& all() const noexcept { return types_; }

private:
    std::vector<std::unique_ptr<task_type>> types_;
};

}  // namespace tasklab
