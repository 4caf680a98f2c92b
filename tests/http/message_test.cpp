// The HTTP the fetch task and the embedded server speak: URLs, requests, response heads, bodies.
#include <catch2/catch.hpp>

#include <string>

#include "tasklab/http.hpp"

using namespace tasklab;

TEST_CASE("http: a URL is http://, a numeric address, a port and a path", "[http]") {
    std::string why;
    auto u = http::parse_url("http://127.0.0.1:8080/files/", why);
    REQUIRE(u);
    CHECK(u->server.address == "127.0.0.1");
    CHECK(u->server.port == 8080);
    CHECK(u->path == "/files");
    u = http::parse_url("http://[::1]:81", why);
    REQUIRE(u);
    CHECK(u->server.address == "::1");
    CHECK(u->server.port == 81);
    CHECK(u->path.empty());
    CHECK(to_string(u->server) == "[::1]:81");
    u = http::parse_url("http://10.0.0.1", why);
    REQUIRE(u);
    CHECK(u->server.port == 80);

    for (const auto* bad : {"https://127.0.0.1", "127.0.0.1:80", "http://localhost:80", "http://127.0.0.1:0",
                            "http://127.0.0.1:70000", "http://127.0.0.1:x", "http://127.0.0.1:", "http://[::1:80",
                            "http://127.0.0.1/a?b=c", ""}) {
        INFO(bad);
        why.clear();
        CHECK_FALSE(http::parse_url(bad, why));
        CHECK_FALSE(why.empty());
    }
    http::parse_url("http://localhost:80", why);
    CHECK(why.find("numeric") != std::string::npos);
}

TEST_CASE("http: a request is one GET that closes its connection", "[http]") {
    const auto r = http::get_request("/bytes/10?ms=5", {"127.0.0.1", 9});
    CHECK(r.starts_with("GET /bytes/10?ms=5 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n"));
    CHECK(r.find("Connection: close\r\n") != std::string::npos);
    CHECK(r.ends_with("\r\n\r\n"));
}

TEST_CASE("http: a response head gives the status and Content-Length, or says what is wrong", "[http]") {
    std::string why;
    auto h = http::parse_response_head("HTTP/1.1 200 OK\r\ncontent-length:  42 \r\nX: y\r\n\r\n", why);
    REQUIRE(h);
    CHECK(h->status == 200);
    CHECK(h->content_length == 42u);
    h = http::parse_response_head("HTTP/1.0 404 Not Found\r\n\r\n", why);
    REQUIRE(h);
    CHECK(h->status == 404);
    CHECK_FALSE(h->content_length);
    CHECK_FALSE(http::parse_response_head("SSH-2.0-OpenSSH\r\n\r\n", why));
    CHECK(why.find("not an HTTP/1.x status line") != std::string::npos);
    CHECK_FALSE(http::parse_response_head("HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", why));
    CHECK(why.find("Content-Length") != std::string::npos);
    CHECK_FALSE(http::parse_response_head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n", why));
    CHECK(why == "two different Content-Lengths: 5 and 6");
    CHECK(http::parse_response_head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", why));
}

TEST_CASE("http: a body's checksum is the same fed whole or in pieces", "[http]") {
    std::string body;
    for (std::uint64_t k = 0; k < 5000; ++k) body += http::body_byte(k);
    http::checksum whole, pieces;
    whole.add(body);
    for (std::size_t at = 0; at < body.size(); at += 7) pieces.add(std::string_view(body).substr(at, 7));
    CHECK(whole.value() == pieces.value());
    CHECK(whole.value() == http::body_checksum(5000));
    CHECK(http::body_checksum(5000) != http::body_checksum(4999));
}
