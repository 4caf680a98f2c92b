#pragma once
// The small part of HTTP/1.1 that the fetch task and tasklab's embedded server speak: one GET
// per connection, `Connection: close`, a body framed by Content-Length. No chunked encoding, no
// keep-alive, no redirects: what a download of a known size needs, and no more (docs/tasks.md).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tasklab/io.hpp"

namespace tasklab::http {

/// Byte `k` of every body served under /bytes/<size>: the same for every server, so that a
/// client can check what it read without being told what to expect.
constexpr char body_byte(std::uint64_t k) noexcept { return static_cast<char>('a' + (k * 7 + k / 26) % 26); }

/// FNV-1a over bytes, fed in pieces: the checksum a fetch computes of the body it reads.
class checksum {
public:
    void add(std::string_view bytes) noexcept {
        for (const unsigned char c : bytes) value_ = (value_ ^ c) * 1099511628211ULL;
    }
    std::uint64_t value() const noexcept { return value_; }

private:
    std::uint64_t value_ = 14695981039346656037ULL;
};

/// The checksum of a whole /bytes/<size> body.
std::uint64_t body_checksum(std::uint64_t size) noexcept;

/// `http://ADDRESS[:PORT][/PATH]` with a numeric address (IPv6 in brackets); the port defaults
/// to 80 and the path to "".
struct url {
    endpoint server;
    std::string path;  // without a trailing '/'
};
/// The URL, or nullopt with `why` saying what is wrong.
std::optional<url> parse_url(std::string_view text, std::string& why);

/// A GET request for `target` ("/bytes/1024?ms=20") on `host`, one per connection.
std::string get_request(std::string_view target, const endpoint& host);

/// What a response head says that a download needs.
struct response_head {
    int status = 0;
    std::optional<std::uint64_t> content_length;
};
/// The head (status line and headers, up to and including the blank line), or nullopt with
/// `why` when it is not HTTP/1.x.
std::optional<response_head> parse_response_head(std::string_view head, std::string& why);

}  // namespace tasklab::http
