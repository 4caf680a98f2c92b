#include "tasklab/http_server.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <exception>
#include <chrono>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "tasklab/http.hpp"

namespace tasklab::http {
namespace {

using asio::ip::tcp;
template <class T>
using awaitable = asio::awaitable<T>;

/// co_spawn's completion for the server's coroutines: an exception one of them lets out ends
/// io.run() with it - `tasklab serve` then fails with its message, the embedded server's process
/// exits 1 and its clients see why - where asio::detached would drop it unseen.
void rethrow(std::exception_ptr failure) {
    if (failure) std::rethrow_exception(failure);
}

asio::redirect_error_t<asio::use_awaitable_t<>> redirect(std::error_code& ec) {
    return asio::redirect_error(asio::use_awaitable, ec);
}

/// What a request asks for, once its request line is read.
struct request {
    std::string misbehave;  // "" for a plain download
    std::uint64_t size = 0;
    double pace_ms = 0;     // how long the body should take to arrive
};

std::optional<double> number_in(std::string_view query, std::string_view name) {
    for (std::size_t at = 0; at <= query.size();) {
        const auto end = std::min(query.find('&', at), query.size());
        const auto pair = query.substr(at, end - at);
        if (pair.starts_with(name) && pair.size() > name.size() && pair[name.size()] == '=') {
            double v = 0;
            const auto text = pair.substr(name.size() + 1);
            const auto [p, error] = std::from_chars(text.data(), text.data() + text.size(), v);
            if (error == std::errc{} && p == text.data() + text.size() && v >= 0) return v;
            return std::nullopt;
        }
        at = end + 1;
    }
    return std::nullopt;
}

/// The request the head asks for, or nullopt for anything but a download (404).
std::optional<request> route(std::string_view target) {
    const auto question = target.find('?');
    auto path = target.substr(0, question);
    const auto query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
    request r;
    if (path.starts_with("/misbehave/")) {
        path.remove_prefix(11);
        const auto slash = path.find('/');
        r.misbehave = std::string(path.substr(0, slash));
        if (r.misbehave != "reset" && r.misbehave != "short" && r.misbehave != "long" && r.misbehave != "error" &&
            r.misbehave != "silent" && r.misbehave != "linger")
            return std::nullopt;
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
    }
    if (!path.starts_with("/bytes/")) return std::nullopt;
    const auto digits = path.substr(7);
    const auto [p, error] = std::from_chars(digits.data(), digits.data() + digits.size(), r.size);
    if (error != std::errc{} || p != digits.data() + digits.size() || digits.empty()) return std::nullopt;
    constexpr std::uint64_t largest = std::uint64_t{1} << 40;  // a TiB: keeps the arithmetic below exact
    if (r.size > largest) return std::nullopt;
    constexpr double longest_ms = 3'600'000;  // an hour: a pace is a lesson's download, not a siege
    // ms is exact; rate (rounded by the client, for servers that only limit rates) is the fallback.
    if (const auto ms = number_in(query, "ms"))
        r.pace_ms = std::min(*ms, longest_ms);
    else if (const auto rate = number_in(query, "rate"); rate && *rate > 0)
        r.pace_ms = std::min(static_cast<double>(r.size) / *rate * 1000.0, longest_ms);
    return r;
}

awaitable<void> send(tcp::socket& s, std::string_view bytes, std::error_code& ec) {
    co_await asio::async_write(s, asio::buffer(bytes.data(), bytes.size()), redirect(ec));
}

std::string head(int status, std::string_view reason, std::uint64_t length) {
    return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n"
                       "Connection: close\r\n\r\n",
                       status, reason, length);
}

/// Bytes [from, to) of the body, in pieces spread evenly over the pace: the last one is sent
/// when the pace is over, so a download lasts about pace_ms whatever its size.
awaitable<void> send_body(tcp::socket& s, std::uint64_t from, std::uint64_t to, double pace_ms,
                          std::chrono::steady_clock::time_point start, std::error_code& ec) {
    constexpr std::uint64_t piece = 1024;
    const std::uint64_t bytes = to - from;
    // At most one piece per 10 ms: the pace is kept without a timer per kilobyte.
    const std::uint64_t pieces =
        std::max<std::uint64_t>(1, std::min<std::uint64_t>((bytes + piece - 1) / piece,
                                                            static_cast<std::uint64_t>(pace_ms / 10)));
    asio::steady_timer timer(s.get_executor());
    std::string chunk;
    for (std::uint64_t i = 0; i < pieces && !ec; ++i) {
        const auto begin = from + bytes * i / pieces, end = from + bytes * (i + 1) / pieces;
        if (pace_ms > 0) {
            timer.expires_at(start + std::chrono::microseconds(static_cast<std::int64_t>(pace_ms * 1000 * (i + 1) / pieces)));
            co_await timer.async_wait(redirect(ec));
            if (ec) co_return;
        }
        // Written in blocks, so that a large piece never sits in memory whole.
        constexpr std::uint64_t block = 16 * 1024;
        for (auto at = begin; at < end && !ec; at += block) {
            chunk.resize(std::min(block, end - at));
            for (std::uint64_t k = 0; k < chunk.size(); ++k) chunk[k] = body_byte(at + k);
            co_await send(s, chunk, ec);
        }
        chunk = std::string();  // nothing held between pieces: a waiting connection costs little
    }
}

awaitable<void> serve(tcp::socket s) {
    const auto start = std::chrono::steady_clock::now();
    std::error_code ec;
    asio::streambuf in(8192);  // a request head larger than this is refused
    const auto head_size = co_await asio::async_read_until(s, in, "\r\n\r\n", redirect(ec));
    if (ec) {
        if (ec == asio::error::not_found) co_await send(s, head(400, "Bad Request", 0), ec);
        co_return;
    }
    std::string text(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + static_cast<std::ptrdiff_t>(head_size));
    // "GET /bytes/1024?ms=20 HTTP/1.1"
    const auto line = std::string_view(text).substr(0, text.find("\r\n"));
    const auto first = line.find(' '), last = line.rfind(' ');
    if (first == std::string_view::npos || last <= first || !line.substr(last + 1).starts_with("HTTP/1.")) {
        co_await send(s, head(400, "Bad Request", 0), ec);
        co_return;
    }
    const auto r = route(line.substr(first + 1, last - first - 1));
    if (line.substr(0, first) != "GET" || !r) {
        co_await send(s, head(404, "Not Found", 0), ec);
        co_return;
    }
    if (r->misbehave == "silent") {  // holds the connection until the client gives up
        asio::steady_timer forever(s.get_executor(), std::chrono::hours(24));
        co_await forever.async_wait(redirect(ec));
        co_return;
    }
    if (r->misbehave == "error") {
        co_await send(s, head(500, "Internal Server Error", 0), ec);
        co_return;
    }
    // "long" announces (and sends) ten bytes more than asked for: a length the client did not expect.
    const auto length = r->misbehave == "long" ? r->size + 10 : r->size;
    co_await send(s, head(200, "OK", length), ec);
    const bool half = r->misbehave == "reset" || r->misbehave == "short";
    const auto sent = half ? length / 2 : length;
    if (!ec) co_await send_body(s, 0, sent, half ? r->pace_ms / 2 : r->pace_ms, start, ec);
    if (!ec && r->misbehave == "linger") {
        // The whole body, then the connection stays open until the client closes it.
        char byte;
        co_await s.async_read_some(asio::buffer(&byte, 1), redirect(ec));
        co_return;
    }
    if (r->misbehave == "reset") {
        // Closed with a zero linger, the socket sends a reset instead of the end of the stream.
        s.set_option(asio::socket_base::linger(true, 0), ec);
        s.close(ec);
        co_return;
    }
    s.shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace

struct server::listener {
    explicit listener(asio::io_context& io) : acceptor(io) {}
    tcp::acceptor acceptor;
};

namespace {

awaitable<void> accept_all(std::shared_ptr<server::listener> l);

}  // namespace

server::server(asio::io_context& io, const endpoint& at) : listener_(std::make_shared<listener>(io)) {
    const tcp::endpoint ep(asio::ip::make_address(at.address), at.port);
    auto& a = listener_->acceptor;
    a.open(ep.protocol());
    a.set_option(tcp::acceptor::reuse_address(true));
    a.bind(ep);
    a.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(io, accept_all(listener_), rethrow);
}

server::~server() {
    std::error_code ignored;
    listener_->acceptor.close(ignored);
}

endpoint server::where() const {
    const auto ep = listener_->acceptor.local_endpoint();
    return {ep.address().to_string(), ep.port()};
}

namespace {

awaitable<void> accept_all(std::shared_ptr<server::listener> l) {
    asio::steady_timer pause(l->acceptor.get_executor());
    while (l->acceptor.is_open()) {
        std::error_code ec;
        auto s = co_await l->acceptor.async_accept(redirect(ec));
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) {
            // Out of descriptors, most likely: the connections already open will end and free
            // some, so wait a little instead of ending the server.
            pause.expires_after(std::chrono::milliseconds(10));
            co_await pause.async_wait(redirect(ec));
            continue;
        }
        asio::co_spawn(l->acceptor.get_executor(), serve(std::move(s)), rethrow);
    }
}

[[noreturn]] void run_child(int port_fd, pid_t parent) noexcept {
    // A clean signal state: whatever the parent blocked or handled, SIGTERM stops the server.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_IGN);  // a Ctrl-C is for tasklab, which then stops its server
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // it ends with its parent, however that ends
    if (::getppid() != parent) ::_exit(0);  // the parent died before the line above
    // Nothing of the parent's but the pipe: a caller waiting for the end of tasklab's standard
    // output must not wait for the server too.
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd <= 2; ++fd) ::dup2(null, fd);
    if (port_fd > 3) ::close_range(3, static_cast<unsigned>(port_fd) - 1, 0);
    ::close_range(static_cast<unsigned>(port_fd) + 1, ~0U, 0);
    raise_open_files_limit();  // a descriptor per connection
    try {
        asio::io_context io(1);
        server s(io, {"127.0.0.1", 0});
        const std::uint16_t port = s.where().port;
        if (::write(port_fd, &port, sizeof port) != sizeof port) ::_exit(1);
        ::close(port_fd);
        io.run();
    } catch (...) {
        ::_exit(1);
    }
    ::_exit(0);
}

}  // namespace

embedded_server::embedded_server() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "the embedded HTTP server's pipe");
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) {
        const int error = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw std::system_error(error, std::generic_category(), "starting the embedded HTTP server");
    }
    if (pid_ == 0) {
        ::close(fds[0]);
        run_child(fds[1], parent);
    }
    ::close(fds[1]);
    std::uint16_t port = 0;
    ssize_t n = -1;
    // Bounded: a child that hangs before it listens must not hang the run.
    pollfd ready{fds[0], POLLIN, 0};
    if (::poll(&ready, 1, 10'000) == 1) {
        do n = ::read(fds[0], &port, sizeof port);
        while (n < 0 && errno == EINTR);
    }
    ::close(fds[0]);
    if (n != sizeof port) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        throw std::runtime_error("the embedded HTTP server did not start listening on 127.0.0.1");
    }
    where_ = {"127.0.0.1", port};
}

embedded_server::~embedded_server() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    // A server that does not end within two seconds of SIGTERM is killed: stopping never hangs.
    for (int i = 0; i < 200; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
        ::usleep(10'000);
    }
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
}

double embedded_server::cpu_seconds() const {
    // The process's CPU clock, to the nanosecond: /proc/<pid>/stat counts in 10 ms ticks,
    // coarser than what a few connections cost.
    clockid_t clock{};
    timespec t{};
    if (::clock_getcpuclockid(pid_, &clock) != 0 || ::clock_gettime(clock, &t) != 0) return -1;
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

int serve_until_signalled(const endpoint& at, std::ostream& log) {
    raise_open_files_limit();  // a descriptor per connection
    asio::io_context io(1);
    std::optional<server> listening;
    try {
        listening.emplace(io, at);
    } catch (const std::system_error& e) {
        throw std::runtime_error(fmt::format("cannot listen on {}: {}", to_string(at), e.code().message()));
    }
    auto& s = *listening;
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&io](std::error_code, int) { io.stop(); });
    log << fmt::format("tasklab serve: listening on http://{} - GET /bytes/<size>?ms=<pace>; Ctrl-C stops it\n",
                       to_string(s.where()))
        << std::flush;
    io.run();
    return 0;
}

}  // namespace tasklab::http
