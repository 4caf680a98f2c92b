#pragma once
// The two kinds of failure the rest of the library tells apart.
#include <stdexcept>

namespace tasklab {

/// Bad input from the user (an unknown name, a count out of range, a deposit <= 0).
/// Raised before anything runs; the CLI maps it to exit code 2.
class usage_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Thrown inside a task when its stop state was requested while it waited.
/// Its record says "cancelled", not "failed".
class task_cancelled : public std::runtime_error {
public:
    task_cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace tasklab
