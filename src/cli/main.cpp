#include "tasklab/cli.hpp"
#include "tasklab/backends/catalog.hpp"
#include "tasklab/tasks/builtin.hpp"

int main(int argc, char** argv) {
    tasklab::registry registry;
    tasklab::add_builtin_tasks(registry);
    tasklab::add_builtin_backends(registry);
    return tasklab::run_cli(registry, argc, argv);
}
