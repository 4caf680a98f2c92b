// The coroutine backend: every task on one event loop, one thread.
#include <catch2/catch.hpp>

#include "backends/matrix.hpp"
#include "support.hpp"

using namespace tasklab;
using tasklab::test::make;
using tasklab::test::run;
using tasklab::test::matrix::require_all_ok;

TASKLAB_BACKEND_TESTS(coroutine_backend, "coroutine")

TEST_CASE("coroutine backend: a task waiting for the lock does not block the loop", "[coroutine][deposit]") {
    // All 10 tasks get started and sit inside ctx.lock at once; a blocking lock on the one
    // thread would have deadlocked instead.
    const auto s = make("deposit", 10, {{"sync", "lock"}, {"hold", "0.02"}});
    const auto r = run<coroutine_backend>(s);
    require_all_ok(r);
    CHECK(measure(r).max_in_flight == 10);
    CHECK(r.result.shared->actual == 10);
}

TEST_CASE("coroutine backend: compute with yields interleaves its parts on one thread", "[coroutine][compute]") {
    const auto s = make("compute", 2, {{"n", "2000000"}, {"yield-every", "10000"}});
    const auto r = run<coroutine_backend>(s);
    require_all_ok(r);
    CHECK(*r.result.value == std::int64_t{2000000} * 2000001 / 2);
    CHECK(measure(r).max_in_flight == 2);
    CHECK(r.records[0].worker == r.records[1].worker);
}
