// The fetch task against servers that misbehave: every failure is a record with its reason, on
// every backend, and nothing is left behind. (Fetch on each backend: backends/matrix.hpp.)
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "hygiene.hpp"
#include "support.hpp"
#include "tasklab/http.hpp"
#include "tasklab/http_server.hpp"

using namespace tasklab;
using tasklab::test::contains;

namespace {

/// One fetch of 1024 bytes from `url` on `backend`, the record of task 0.
task_record fetch_once(std::string_view backend, const std::string& url, double timeout = 0) {
    const auto s = test::make_with("fetch", 1, {{"url", url}, {"size", "1024"}, {"min", "1"}, {"max", "1"}}, 0.01,
                                   [&](scenario_settings& st) { st.timeout = timeout; });
    const auto r = test::run_on(backend, s);
    return r.records.at(0);
}

}  // namespace

TEST_CASE("fetch: a server that misbehaves is a failed record with the reason, on every backend", "[fetch][faults][fork]") {
    const test::watchdog dog(120);
    const test::hygiene before;
    {
        const http::embedded_server server;
        const auto base = "http://" + to_string(server.where());
        std::string closed;
        {
            const http::embedded_server gone;  // listened a moment ago; nothing does now
            closed = "http://" + to_string(gone.where());
        }
        for (const auto* backend : {"sequential", "coroutine", "thread", "fork"}) {
            INFO(backend);
            auto r = fetch_once(backend, closed);
            CHECK(r.status == task_status::failed);
            CHECK(contains(r.error, "connecting to 127.0.0.1:"));
            CHECK(contains(r.error, "refused"));

            r = fetch_once(backend, base + "/misbehave/reset");
            CHECK(r.status == task_status::failed);
            CHECK(contains(r.error, "reset"));

            r = fetch_once(backend, base + "/misbehave/short");
            CHECK(r.status == task_status::failed);
            CHECK(contains(r.error, "ended after 512 of 1024 bytes"));

            r = fetch_once(backend, base + "/misbehave/long");
            CHECK(r.status == task_status::failed);
            CHECK(contains(r.error, "said Content-Length 1034, expected 1024"));

            // The message ends at Content-Length: a server that keeps the connection open
            // after it does not keep the task (the timeout, 2 s, is only a bound on the test).
            r = fetch_once(backend, base + "/misbehave/linger", 200);
            CHECK(r.status == task_status::ok);
            CHECK(r.value == 1024);

            r = fetch_once(backend, base + "/misbehave/error");
            CHECK(r.status == task_status::failed);
            CHECK(contains(r.error, "answered 500"));

            r = fetch_once(backend, base + "/nothing-here");
            CHECK(r.status == task_status::failed);
            CHECK(contains(r.error, "answered 404"));

            // Never answers: the timeout (5 simulated s = 50 ms) ends the wait for the head.
            r = fetch_once(backend, base + "/misbehave/silent", 5);
            CHECK(r.status == task_status::cancelled);
            CHECK(contains(r.error, "timed out"));

            r = fetch_once(backend, base);
            CHECK(r.status == task_status::ok);
            CHECK(r.value == 1024);
        }
    }
    before.check();  // the servers, stopped and reaped; every socket closed
}

TEST_CASE("fetch: a URL that does not parse is refused before anything runs", "[fetch][usage]") {
    for (const auto* bad : {"https://127.0.0.1", "http://localhost:80", "http://127.0.0.1:0"}) {
        INFO(bad);
        CHECK_THROWS_AS(test::make("fetch", 1, {{"url", bad}}), usage_error);
    }
    CHECK_THROWS_WITH(test::make("fetch", 1, {{"url", "http://localhost"}}),
                      Catch::Contains("`url` 'http://localhost'") && Catch::Contains("numeric"));
}

TEST_CASE("fetch: the embedded server paces a body, serves the same bytes, and stops with its owner", "[fetch][http]") {
    const test::hygiene before;
    {
        const auto s = test::make("fetch", 3, {{"size", "70000"}, {"min", "2"}, {"max", "2"}}, 0.05);
        const auto r = test::run_on("coroutine", s);
        for (const auto& rec : r.records) {
            CHECK(rec.status == task_status::ok);
            CHECK(rec.value == 70000);
            // 2 simulated s at 0.05: the body took about 100 ms to arrive, not a moment.
            CHECK(static_cast<double>(rec.end_ns - rec.start_ns) / 1e9 >= 0.095);
        }
    }
    before.check();
}

TEST_CASE("context: read_some, read_exactly and read_arrived read the same body on every backend", "[fetch][http][fork]") {
    // Task i reads the body of one response its own way: 0 into a buffer of its own all at
    // once, 1 a few bytes at a time into a small buffer it owns, 2 what has arrived, at most 7
    // bytes a read, from the thread's buffer. All must get every byte, in order.
    struct three_readers final : workload {
        endpoint server;
        std::uint64_t size;
        three_readers(endpoint at, std::uint64_t n) : server(std::move(at)), size(n) {}
        awaitable<task_result> run(context& ctx) const override {
            auto c = co_await ctx.connect(server);
            co_await ctx.write_all(c, http::get_request(fmt::format("/bytes/{}?ms=20", size), server));
            std::string head;
            const auto head_end = co_await ctx.read_until(c, head, "\r\n\r\n", 8192);
            std::string body = head.substr(head_end);
            const auto rest = size - body.size();
            if (ctx.index() == 0) {
                std::vector<char> all(rest);
                co_await ctx.read_exactly(c, all);
                body.append(all.data(), all.size());
            } else if (ctx.index() == 1) {
                std::array<char, 100> small{};
                while (body.size() < size) {
                    const auto n = co_await ctx.read_some(c, std::span<char>(small).first(std::min<std::size_t>(small.size(), size - body.size())));
                    if (n == 0) break;
                    body.append(small.data(), n);
                }
            } else {
                while (body.size() < size) {
                    const auto n = co_await ctx.read_arrived(c, std::min<std::size_t>(7, size - body.size()),
                                                             [&body](std::string_view bytes) { body += bytes; });
                    if (n == 0) break;
                    if (n > 7) throw std::runtime_error("read_arrived read more than it was allowed");
                }
            }
            http::checksum sum;
            sum.add(body);
            co_return task_result{body.size() == size && sum.value() == http::body_checksum(size) ? 1 : 0};
        }
    };
    const test::hygiene before;
    {
        http::embedded_server server;
        // A timeout, so that a read that never wakes fails the test instead of hanging it.
        scenario s = test::make_with("download", 3, {}, 1.0, [](scenario_settings& st) { st.timeout = 30; });
        s.work = std::make_shared<three_readers>(server.where(), 5000);
        for (const auto* b : test::builtin_backends()) {
            INFO(b->name());
            const auto r = test::run_on(b->name(), s);
            for (std::size_t i = 0; i < 3; ++i) {
                INFO("task " << i << ": " << r.records[i].error);
                CHECK(r.records[i].status == task_status::ok);
                CHECK(r.records[i].value == 1);
            }
        }
    }
    before.check();
}
