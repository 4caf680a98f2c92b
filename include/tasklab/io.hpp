#pragma once
// Sockets for tasks: a TCP endpoint and a connection a task opened with context::connect. The
// context does the I/O through its backend's driver, so the same task reads a socket with
// Asio's asynchronous operations on an event loop and with blocking calls on its own thread.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace tasklab {

/// A TCP endpoint given by a numeric address (IPv4 or IPv6, no name lookup: tasklab talks to
/// servers it can name without a resolver) and a port.
struct endpoint {
    std::string address;
    std::uint16_t port = 0;
};
std::string to_string(const endpoint& e);

/// What a driver keeps for one open connection (its socket); drivers derive from it.
class connection_state {
public:
    virtual ~connection_state() = default;
};

/// A TCP connection, open until destroyed or closed. Owned by the task that opened it.
class connection {
public:
    connection() = default;
    explicit connection(std::unique_ptr<connection_state> state) noexcept : state_(std::move(state)) {}
    bool is_open() const noexcept { return state_ != nullptr; }
    void close() noexcept { state_.reset(); }
    connection_state& state() const noexcept { return *state_; }

private:
    std::unique_ptr<connection_state> state_;
};

/// The soft limit on open files (RLIMIT_NOFILE) before and after raise_open_files_limit, and
/// the hard limit it may go up to; RLIM_INFINITY reads as the largest value.
struct open_files_limit {
    std::uint64_t soft_before = 0;
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
    bool known = false;  // getrlimit answered
};

/// Raises this process's soft limit on open files to its hard limit: every connection is a
/// descriptor, and the usual soft limit (1024) is far below what a server or a client of
/// thousands of connections needs, while the hard one is what the administrator allows.
open_files_limit raise_open_files_limit() noexcept;

/// An I/O operation that failed for a reason of the network, not of the task: refused,
/// reset, unreachable. `what()` names the operation, the endpoint and the reason.
class io_error : public std::system_error {
public:
    io_error(std::error_code code, const std::string& what) : std::system_error(code, what) {}
};

}  // namespace tasklab
