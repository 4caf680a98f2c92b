// The whole tasklab command line over the built-in task types and backends, and this
// project's own: `outside list`, `outside run checksum --backend busy-wait,coroutine`, ...
#include <tasklab/cli.hpp>
#include <tasklab/tasklab.hpp>

#include <memory>

#include "busy_wait.hpp"
#include "checksum.hpp"

int main(int argc, char** argv) {
    tasklab::registry registry;
    tasklab::add_builtin_tasks(registry);
    tasklab::add_builtin_backends(registry);
    registry.add(std::make_unique<checksum_task>());
    registry.add(std::make_unique<busy_wait_backend>());
    return tasklab::run_cli(registry, argc, argv);
}
