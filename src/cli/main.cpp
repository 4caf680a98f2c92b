#include "tasklab/cli.hpp"
#include "tasklab/tasks/builtin.hpp"

int main(int argc, char** argv) {
    tasklab::task_registry registry;
    tasklab::add_builtin_tasks(registry);
    return tasklab::run_cli(registry, argc, argv);
}
