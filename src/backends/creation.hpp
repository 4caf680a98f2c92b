#pragma once
// When a thread or a process cannot be created: what to tell the user.
#include <cstddef>
#include <string>

namespace tasklab::detail {

/// "thread 1234 of 20000 could not be created: Resource temporarily unavailable; the limits:
/// ulimit -u 96364 ..., kernel.threads-max 192729, 1236 threads in this process - try fewer tasks"
std::string creation_failure(const char* what, std::size_t index, std::size_t count, int error);

/// The limit an error of creating something hit, and its value: "the limit: ulimit -n 4 (open
/// files of this process; 3 open now)" for EMFILE, fs.file-max for ENFILE, memory for ENOMEM,
/// and the thread and process limits for anything else (EAGAIN).
std::string limit_that_bit(int error);

}  // namespace tasklab::detail
