#pragma once
// Task types and backends by name: what a command line (run_cli) or a program offers. Filled
// explicitly - add_builtin_tasks, add_builtin_backends, then the user's own - never by static
// initialisers a linker could drop.
#include <memory>
#include <string_view>
#include <vector>

#include "tasklab/backend.hpp"
#include "tasklab/task.hpp"

namespace tasklab {

class registry {
public:
    /// Throws std::invalid_argument if the name is empty or taken by one of the same kind.
    void add(std::unique_ptr<task_type> type);
    void add(std::unique_ptr<backend> b);

    /// nullptr for an unknown name.
    const task_type* find(std::string_view name) const noexcept;
    const backend* find_backend(std::string_view name) const noexcept;

    /// In the order they were added: the order lists and reports show them in.
    const std::vector<std::unique_ptr<task_type>>& all() const noexcept { return types_; }
    const std::vector<std::unique_ptr<backend>>& backends() const noexcept { return backends_; }

private:
    std::vector<std::unique_ptr<task_type>> types_;
    std::vector<std::unique_ptr<backend>> backends_;
};

}  // namespace tasklab
