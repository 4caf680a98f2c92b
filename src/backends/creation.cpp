#include "backends/creation.hpp"

#include <sys/resource.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace tasklab::detail {
namespace {

std::string rlimit_text(int resource) {
    rlimit limit{};
    if (::getrlimit(resource, &limit) != 0) return "?";
    return limit.rlim_cur == RLIM_INFINITY ? "unlimited" : std::to_string(limit.rlim_cur);
}

std::string first_line(const char* path) {
    std::ifstream in(path);
    std::string line;
    return std::getline(in, line) ? line : "?";
}

std::size_t threads_in_this_process() {
    std::size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc/self/task", ec); !ec && it != decltype(it){};
         it.increment(ec))
        ++n;
    return n;
}

}  // namespace

std::string creation_failure(const char* what, std::size_t index, std::size_t count, int error) {
    return fmt::format("not started: {} {} of {} could not be created: {}; {} - try fewer tasks", what, index, count,
                       std::strerror(error), limit_that_bit(error));
}

std::string limit_that_bit(int error) {
    switch (error) {
    case EMFILE:
        return fmt::format("the limit: ulimit -n {} (open files of this process)", rlimit_text(RLIMIT_NOFILE));
    case ENFILE:
        return fmt::format("the limit: fs.file-max {} (open files of the whole system)",
                           first_line("/proc/sys/fs/file-max"));
    case ENOMEM:
        return fmt::format("the limit: memory (ulimit -v {}, and what the machine has free)", rlimit_text(RLIMIT_AS));
    default:
        return fmt::format("the limits: ulimit -u {} (threads and processes of this user), kernel.threads-max {}, "
                           "kernel.pid_max {}, {} threads in this process",
                           rlimit_text(RLIMIT_NPROC), first_line("/proc/sys/kernel/threads-max"),
                           first_line("/proc/sys/kernel/pid_max"), threads_in_this_process());
    }
}

}  // namespace tasklab::detail
