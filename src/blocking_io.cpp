// Sockets for a task that has its thread to itself (sequential, thread, a fork child): the
// driver's default I/O. The socket is non-blocking underneath so that every wait is a poll()
// with the task's deadline as its timeout; the thread still blocks in that poll, which is the
// model these backends teach.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stop_token>
#include <system_error>

#include "tasklab/driver.hpp"
#include "tasklab/errors.hpp"
#include "tasklab/io.hpp"

namespace tasklab {
namespace {

class blocking_socket final : public connection_state {
public:
    blocking_socket(int fd, std::string peer) noexcept : fd_(fd), peer_(std::move(peer)) {}
    ~blocking_socket() override {
        if (fd_ >= 0) ::close(fd_);
    }
    blocking_socket(const blocking_socket&) = delete;
    blocking_socket& operator=(const blocking_socket&) = delete;

    void own(int fd) noexcept { fd_ = fd; }
    int fd() const noexcept { return fd_; }
    const std::string& peer() const noexcept { return peer_; }

private:
    int fd_;
    std::string peer_;
};

blocking_socket& socket_of(connection& c) { return static_cast<blocking_socket&>(c.state()); }

[[noreturn]] void fail(int error, const std::string& doing) {
    throw io_error(std::error_code(error, std::generic_category()), doing);
}

// While connecting, shutdown() does not wake a poll, so a stoppable wait looks again this
// often; once connected, a stop shuts the socket down and the poll wakes at once.
constexpr int connect_slice_ms = 100;

/// Waits until `fd` is ready for `events`. Returns when it is (or has an error or hang-up for
/// the next call to report); throws task_cancelled when the task is stopped or its deadline
/// passes first.
void wait_ready(context& ctx, int fd, short events, bool connecting) {
    // A stop shuts the socket down, which ends the poll: a blocked read must not outlive the run.
    const std::stop_callback wake(ctx.stop_token(), [fd] { ::shutdown(fd, SHUT_RDWR); });
    while (true) {
        ctx.throw_if_stopped();
        int timeout_ms = -1;
        if (ctx.deadline_ns() != 0)
            timeout_ms = static_cast<int>(std::clamp<std::int64_t>(
                (ctx.deadline_ns() - monotonic_ns() + 999'999) / 1'000'000, 0, 1'000'000'000));
        if (connecting && ctx.stop_token().stop_possible())
            timeout_ms = timeout_ms < 0 ? connect_slice_ms : std::min(timeout_ms, connect_slice_ms);
        pollfd p{fd, events, 0};
        const int rc = ::poll(&p, 1, timeout_ms);
        if (rc > 0) {
            ctx.throw_if_stopped();  // woken by the stop's shutdown, not by the peer
            return;
        }
        if (const int error = errno; rc < 0 && error != EINTR) fail(error, "waiting for a socket");
    }
}

/// The address to connect to, or io_error naming what is wrong with it.
sockaddr_storage socket_address(const endpoint& to, socklen_t& size) {
    sockaddr_storage address{};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    if (::inet_pton(AF_INET, to.address.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(to.port);
        size = sizeof(sockaddr_in);
    } else if (::inet_pton(AF_INET6, to.address.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(to.port);
        size = sizeof(sockaddr_in6);
    } else {
        fail(EINVAL, fmt::format("connecting to {}: not a numeric address", to_string(to)));
    }
    return address;
}

}  // namespace

awaitable<connection> driver::connect(context& ctx, const endpoint& to) {
    socklen_t size = 0;
    const auto address = socket_address(to, size);
    // Everything that allocates comes before the socket, so that nothing can throw between its
    // creation and its owner's.
    auto peer = to_string(to);
    auto state = std::make_unique<blocking_socket>(-1, peer);
    const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (const int error = errno; fd < 0) fail(error, fmt::format("connecting to {}: a socket", peer));
    state->own(fd);
    connection c(std::move(state));
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // requests are one small write
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), size) != 0) {
        if (const int error = errno; error != EINPROGRESS) fail(error, fmt::format("connecting to {}", peer));
        wait_ready(ctx, fd, POLLOUT, true);
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) fail(error, fmt::format("connecting to {}", peer));
    }
    co_return c;
}

awaitable<std::size_t> driver::write_some(context& ctx, connection& c, std::string_view data) {
    auto& s = socket_of(c);
    while (true) {
        const ssize_t n = ::send(s.fd(), data.data(), data.size(), MSG_NOSIGNAL);
        if (n >= 0) co_return static_cast<std::size_t>(n);
        const int error = errno;
        if (error == EINTR) continue;
        if (error != EAGAIN && error != EWOULDBLOCK) fail(error, fmt::format("writing to {}", s.peer()));
        wait_ready(ctx, s.fd(), POLLOUT, false);
    }
}

awaitable<void> driver::wait_readable(context& ctx, connection& c) {
    wait_ready(ctx, socket_of(c).fd(), POLLIN, false);
    co_return;
}

std::optional<std::size_t> driver::read_ready(context&, connection& c, std::span<char> into) {
    auto& s = socket_of(c);
    while (true) {
        const ssize_t n = ::recv(s.fd(), into.data(), into.size(), 0);
        if (n >= 0) return static_cast<std::size_t>(n);
        const int error = errno;
        if (error == EAGAIN || error == EWOULDBLOCK) return std::nullopt;
        if (error != EINTR) fail(error, fmt::format("reading from {}", s.peer()));
    }
}

awaitable<std::size_t> driver::read_some(context& ctx, connection& c, std::span<char> into) {
    while (true) {
        if (const auto n = read_ready(ctx, c, into)) co_return *n;
        co_await wait_readable(ctx, c);
    }
}

}  // namespace tasklab
