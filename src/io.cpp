#include "tasklab/io.hpp"

#include <sys/resource.h>

#include <fmt/format.h>

namespace tasklab {

std::string to_string(const endpoint& e) {
    // An IPv6 address is bracketed, so that its colons are not taken for the port's.
    if (e.address.find(':') != std::string::npos) return fmt::format("[{}]:{}", e.address, e.port);
    return fmt::format("{}:{}", e.address, e.port);
}

open_files_limit raise_open_files_limit() noexcept {
    open_files_limit out;
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return out;
    out.known = true;
    out.soft_before = out.soft = limit.rlim_cur;
    out.hard = limit.rlim_max;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) out.soft = limit.rlim_cur;
    }
    return out;
}

}  // namespace tasklab
