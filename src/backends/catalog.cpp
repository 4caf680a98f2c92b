#include "tasklab/backends/catalog.hpp"

#include "tasklab/backends/coroutine.hpp"
#include "tasklab/backends/fork.hpp"
#include "tasklab/backends/pool.hpp"
#include "tasklab/backends/sequential.hpp"
#include "tasklab/backends/thread.hpp"

namespace tasklab {

const std::vector<std::string_view>& backend_names() {
    static const std::vector<std::string_view> names{"sequential", "coroutine", "thread", "fork", "pool"};
    return names;
}

const std::vector<std::string_view>& lesson_backend_names() {
    static const std::vector<std::string_view> names{"sequential", "coroutine", "thread", "fork"};
    return names;
}

void add_builtin_backends(registry& r) {
    for (const auto name : backend_names()) r.add(make_backend(name));
}

std::unique_ptr<backend> make_backend(std::string_view name) {
    if (name == "sequential") return std::make_unique<sequential_backend>();
    if (name == "coroutine") return std::make_unique<coroutine_backend>();
    if (name == "thread") return std::make_unique<thread_backend>();
    if (name == "fork") return std::make_unique<fork_backend>();
    if (name == "pool") return std::make_unique<pool_backend>();
    return nullptr;
}

}  // namespace tasklab
