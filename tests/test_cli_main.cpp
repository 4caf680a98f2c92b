// The tasklab CLI as a user's own executable would build it: the built-in task types plus
// the test-only ones, so the CLI tests can make a task fail on purpose.
#include "support.hpp"
#include "tasklab/cli.hpp"

int main(int argc, char** argv) {
    tasklab::registry registry;
    tasklab::add_builtin_tasks(registry);
    tasklab::add_builtin_backends(registry);
    tasklab::test::add_test_tasks(registry);
    return tasklab::run_cli(registry, argc, argv);
}
