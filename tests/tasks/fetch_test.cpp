// The fetch task against servers that misbehave: every failure is a record with its reason, on
// every backend, and nothing is left behind. (Fetch on each backend: backends/matrix.hpp.)
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>

#include "hygiene.hpp"
#include "support.hpp"
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
