#include "tasklab/io.hpp"

#include <fmt/format.h>

namespace tasklab {

std::string to_string(const endpoint& e) {
    // An IPv6 address is bracketed, so that its colons are not taken for the port's.
    if (e.address.find(':') != std::string::npos) return fmt::format("[{}]:{}", e.address, e.port);
    return fmt::format("{}:{}", e.address, e.port);
}

}  // namespace tasklab
