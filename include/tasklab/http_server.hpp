#pragma once
// tasklab's embedded HTTP server: one io_context, one thread, every connection a coroutine -
// the model that holds thousands of slow connections cheaply. It serves
//
//   GET /bytes/<size>[?ms=M][&rate=R]   <size> bytes of http::body_byte, paced to last about M
//                                       milliseconds (or to R bytes per second), then closes;
//   GET /misbehave/<how>/bytes/<size>   the same download gone wrong, for the fault tests:
//       reset   half the body, then a TCP reset;  short  half the body, then a clean close;
//       long    a Content-Length 10 above <size>; error  500 and no body;
//       silent  reads the request and never answers;
//       linger  the whole body, then keeps the connection open until the client closes it.
//
// Anything else is 404, a request it cannot read 400. The protocol is only what Content-Length
// framing needs (http.hpp); Debian 12 packages no HTTP parser for C++ that would fit it.
#include <sys/types.h>

#include <cstdint>
#include <iosfwd>
#include <memory>

#include "tasklab/io.hpp"

namespace asio {
class io_context;
}

namespace tasklab::http {

/// Listens at `at` (port 0: an ephemeral one) on `io` and serves every connection it accepts
/// until `io` stops. Throws std::system_error when it cannot listen.
class server {
public:
    server(asio::io_context& io, const endpoint& at);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Where it listens: the port the system chose when asked for 0.
    endpoint where() const;

    struct listener;  // the acceptor, shared with the accept loop, which may outlive this

private:
    std::shared_ptr<listener> listener_;
};

/// The server in a child process of its own, so that its CPU is not the client's and a fork
/// backend's children never inherit a running loop. Started by the constructor (which
/// returns once it listens on 127.0.0.1), stopped with SIGTERM and reaped by the destructor.
/// Forks: make it while the process has one thread.
class embedded_server {
public:
    embedded_server();
    ~embedded_server();
    embedded_server(const embedded_server&) = delete;
    embedded_server& operator=(const embedded_server&) = delete;

    endpoint where() const { return where_; }
    pid_t pid() const noexcept { return pid_; }
    /// The server process's CPU time so far (user + system), seconds; -1 if unknown.
    double cpu_seconds() const;

private:
    pid_t pid_ = -1;
    endpoint where_;
};

/// `tasklab serve`: the server in this thread at `at`, a line on `log` when it listens, until
/// SIGINT or SIGTERM. Returns the exit code.
int serve_until_signalled(const endpoint& at, std::ostream& log);

}  // namespace tasklab::http
