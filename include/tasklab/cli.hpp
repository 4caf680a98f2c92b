#pragma once
// The tasklab command line as a library function, so a user's own executable with their own
// task types gets every subcommand, backend and report:
//
//     int main(int argc, char** argv) {
//         tasklab::registry registry;
//         tasklab::add_builtin_tasks(registry);
//         registry.add(std::make_unique<my_task>());
//         return tasklab::run_cli(registry, argc, argv);
//     }
#include "tasklab/registry.hpp"

namespace tasklab {

/// Exit codes: 0 ok, 1 a task failed or a check failed, 2 bad usage (nothing ran).
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;
/// A run stopped by a signal exits 128 + its number, as a shell reports it: 130 for SIGINT,
/// 143 for SIGTERM. The partial report is printed first.
inline constexpr int exit_signal_base = 128;

int run_cli(const registry& registry, int argc, char** argv);

}  // namespace tasklab
