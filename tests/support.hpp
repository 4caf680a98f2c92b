#pragma once
// Helpers shared by the tests: running a scenario, test-only task types, and process hygiene checks.
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "tasklab/tasklab.hpp"

namespace tasklab::test {

using param_list = param_texts;

/// A registry with the built-in task types and the test-only ones below.
const registry& all_task_types();

/// The built-in backends with these names, in that order (every one, in report order, when
/// none is named); they live as long as the test program.
std::vector<const backend*> builtin_backends(std::initializer_list<std::string_view> names = {});

scenario make(std::string_view task, std::size_t tasks, param_list params = {}, double time_scale = 1.0,
              sharing memory = sharing::shared);
/// make(), with the settings adjusted (a timeout, a fault plan) before the scenario is built.
scenario make_with(std::string_view task, std::size_t tasks, param_list params, double time_scale,
                   const std::function<void(scenario_settings&)>& adjust);

/// Runs `s` on a new built-in backend of that name.
run_report run_on(std::string_view backend, const scenario& s, const run_options& options = {});

/// compare() over the built-in backends with these names, `runs` runs each after `warmup`.
comparison compare_on(std::initializer_list<std::string_view> names, const scenario& s, std::size_t runs = 1,
                      std::size_t warmup = 0);

/// Record `i` of a run; throws std::out_of_range (failing the test) if there is none.
inline const task_record& record(const run_report& r, std::size_t i) { return r.records.at(i); }

inline bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

template <class Backend>
run_report run(const scenario& s) {
    Backend b;
    return b.run(s);
}

/// What a command printed, and how it ended: its exit code, or 128 + the signal that ended it.
struct cli_outcome {
    int code = -1;
    std::string out, err;
};

/// The whole of a file ("" if it cannot be read).
std::string slurp(const std::string& path);

/// Runs `prefix exe args` in the shell, standard input from /dev/null, and collects both
/// outputs. `prefix` runs first in the same shell (e.g. a trap, then "exec ").
cli_outcome run_command(const std::string& exe, const std::string& args, const std::string& prefix = "");

/// Open file descriptors of this process.
std::size_t open_fds();
/// True when this process has no child left, reaped or not (waitpid fails with ECHILD).
bool no_children_left();
/// Threads of this process (/proc/self/task).
std::size_t threads_alive();

/// Test-only task types:
///  "fail"  — task `--at` throws std::runtime_error("task <i> failed on purpose"), the rest return their index;
///  "die"   — task `--at` kills its own process with signal `--signal`, or _exits with `--exit` when it is > 0
///            (fork only: on other backends it would kill the test runner);
///  "gather" — every task blocks (at most 60 s) until all tasks have started (thread backend only);
///  "bad_result" — task `--at` sends half a frame, a 256 KiB flood, or throws with a 256 KiB message (fork only).
void add_test_tasks(registry& r);

}  // namespace tasklab::test
