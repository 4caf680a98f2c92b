#include <arpa/inet.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "tasklab/http.hpp"

namespace tasklab::http {
namespace {

bool is_numeric_address(const std::string& address) {
    unsigned char bytes[16];
    return ::inet_pton(AF_INET, address.c_str(), bytes) == 1 || ::inet_pton(AF_INET6, address.c_str(), bytes) == 1;
}

template <class Number>
std::optional<Number> whole_number(std::string_view text) {
    Number n{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return n;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::uint64_t body_checksum(std::uint64_t size) noexcept {
    checksum sum;
    char chunk[4096];
    for (std::uint64_t at = 0; at < size;) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof chunk, size - at));
        for (std::size_t i = 0; i < n; ++i) chunk[i] = body_byte(at + i);
        sum.add({chunk, n});
        at += n;
    }
    return sum.value();
}

std::optional<url> parse_url(std::string_view text, std::string& why) {
    constexpr std::string_view scheme = "http://";
    if (!text.starts_with(scheme)) {
        why = "expected http://ADDRESS[:PORT][/PATH] (https is not spoken)";
        return std::nullopt;
    }
    text.remove_prefix(scheme.size());
    const auto slash = text.find('/');
    const auto authority = text.substr(0, slash);
    url u;
    u.path = slash == std::string_view::npos ? "" : std::string(text.substr(slash));
    while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
    if (u.path.find_first_of("?# \r\n") != std::string::npos) {
        why = "the path may not hold a query, a fragment or spaces";
        return std::nullopt;
    }
    std::string_view host = authority, port;
    if (authority.starts_with('[')) {  // [IPv6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            why = "an IPv6 address needs its closing ]";
            return std::nullopt;
        }
        host = authority.substr(1, close - 1);
        const auto rest = authority.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(':')) {
            why = "expected :PORT after the ]";
            return std::nullopt;
        }
        if (!rest.empty()) port = rest.substr(1);
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    u.server.address = std::string(host);
    if (!is_numeric_address(u.server.address)) {
        why = fmt::format("'{}' is not a numeric IPv4 or IPv6 address (no name lookup: use 127.0.0.1)", host);
        return std::nullopt;
    }
    u.server.port = 80;
    if (!port.empty() || authority.ends_with(':')) {
        const auto n = whole_number<std::uint32_t>(port);
        if (!n || *n == 0 || *n > 65535) {
            why = fmt::format("port '{}' is not a number from 1 to 65535", port);
            return std::nullopt;
        }
        u.server.port = static_cast<std::uint16_t>(*n);
    }
    return u;
}

std::string get_request(std::string_view target, const endpoint& host) {
    return fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: tasklab\r\nConnection: close\r\n\r\n", target,
                       to_string(host));
}

std::optional<response_head> parse_response_head(std::string_view head, std::string& why) {
    const auto line_end = head.find("\r\n");
    const auto status_line = head.substr(0, line_end);
    // "HTTP/1.1 200 OK"
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
        why = fmt::format("not an HTTP/1.x status line: {:?}", status_line.substr(0, 80));
        return std::nullopt;
    }
    response_head r;
    const auto code = whole_number<int>(status_line.substr(9, 3));
    if (!code) {
        why = fmt::format("no status code in {:?}", status_line.substr(0, 80));
        return std::nullopt;
    }
    r.status = *code;
    for (auto rest = head.substr(line_end == std::string_view::npos ? head.size() : line_end + 2); !rest.empty();) {
        const auto end = rest.find("\r\n");
        const auto line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        if (equals_ignoring_case(trimmed(line.substr(0, colon)), "content-length")) {
            const auto n = whole_number<std::uint64_t>(trimmed(line.substr(colon + 1)));
            if (!n) {
                why = fmt::format("a Content-Length that is not a number: {:?}", line);
                return std::nullopt;
            }
            // Two lengths that differ leave the body's end unknown (RFC 9112, 6.3).
            if (r.content_length && *r.content_length != *n) {
                why = fmt::format("two different Content-Lengths: {} and {}", *r.content_length, *n);
                return std::nullopt;
            }
            r.content_length = *n;
        }
    }
    return r;
}

}  // namespace tasklab::http
