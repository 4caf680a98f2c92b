#pragma once
// The two kinds of failure the rest of the library tells apart.
#include <stdexcept>
#include <string>

namespace tasklab {

/// Bad input from the user (an unknown name, a count out of range, a deposit <= 0).
/// Raised before anything runs; the CLI maps it to exit code 2. A message names the setting
/// it is about in backquotes, as the command line names it without its dashes - `tasks`,
/// `time-scale`, a task type's `amount` - so that each program can show it its own way: the
/// command line writes --tasks.
class usage_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Thrown inside a task when it was stopped while it waited: its run was stopped, or its
/// timeout passed. Its record says "cancelled", not "failed", with the reason.
class task_cancelled : public std::runtime_error {
public:
    task_cancelled() : std::runtime_error("cancelled") {}
    explicit task_cancelled(const std::string& why) : std::runtime_error(why) {}
};

}  // namespace tasklab
