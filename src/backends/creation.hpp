#pragma once
// When a thread or a process cannot be created: what to tell the user.
#include <cstddef>
#include <string>

namespace tasklab::detail {

/// "thread 1234 of 20000 could not be created: Resource temporarily unavailable; limits:
/// ulimit -u 96364, kernel.threads-max 192729, 1236 threads in this process - try fewer tasks"
std::string creation_failure(const char* what, std::size_t index, std::size_t count, int error);

}  // namespace tasklab::detail
