#pragma once
// When a thread or a process cannot be created: what to tell the user, and a seam that lets
// the tests make creation fail (root ignores RLIMIT_NPROC, so no limit can do it for them).
#include <cstddef>
#include <string>

namespace tasklab::detail {

/// True if the seam asks creation of task `index` to fail: the environment variable
/// TASKLAB_TEST_FAIL_CREATION_AT names the first failing index (read once per run).
class creation_seam {
public:
    creation_seam();
    bool fails(std::size_t index) const noexcept { return armed_ && index >= first_failing_; }

private:
    bool armed_ = false;
    std::size_t first_failing_ = 0;
};

/// "thread 1234 of 20000 could not be created: Resource temporarily unavailable; limits:
/// ulimit -u 96364, kernel.threads-max 192729, 1236 threads in this process - try fewer tasks"
std::string creation_failure(const char* what, std::size_t index, std::size_t count, int error);

}  // namespace tasklab::detail
