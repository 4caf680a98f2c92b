// The heartbeat: the recorder's arithmetic, and how late it runs beside tasks that do or do not
// let it (the coroutine backend's loop ticker, the thread backend's ticker thread). The fork
// parent's heartbeat is in backends/fork_test.cpp.
#include <catch2/catch.hpp>

#include "support.hpp"
#include "tasklab/heartbeat.hpp"

using namespace tasklab;

TEST_CASE("heartbeat: a late tick moves the next one to the first period boundary after it", "[heartbeat]") {
    heartbeat_recorder h(0);
    CHECK(h.next_due() == heartbeat_period_ns);
    h.tick(3 * heartbeat_period_ns + heartbeat_period_ns / 2);  // 2.5 periods late
    CHECK(h.next_due() == 4 * heartbeat_period_ns);              // not 2: no catch-up burst
    CHECK(heartbeat_recorder::due_after(4 * heartbeat_period_ns, 4 * heartbeat_period_ns) == 5 * heartbeat_period_ns);
    CHECK(heartbeat_recorder::due_after(4 * heartbeat_period_ns, 0) == 5 * heartbeat_period_ns);  // early: the next period
    h.tick(h.next_due());
    const auto s = h.summary();
    CHECK(s.ticks == 2);
    CHECK(s.max_lag_ns == 2 * heartbeat_period_ns + heartbeat_period_ns / 2);
}

TEST_CASE("heartbeat: a coroutine task that never yields freezes the loop", "[heartbeat][coroutine]") {
    const auto s = test::make("compute", 2, {{"n", "400000000"}});
    const auto r = test::run<coroutine_backend>(s);
    const auto m = measure(r);
    REQUIRE(m.tasks_ok == 2);
    CHECK(r.heartbeat.ticks > 0);
    // The ticker shares the loop: it waited at least as long as one task ran.
    CHECK(m.heartbeat_max_lag_s >= 0.8 * m.longest_task_s);
}

TEST_CASE("heartbeat: yields and threads keep it far below a task's length", "[heartbeat][coroutine][thread]") {
    const auto yielding = test::make("compute", 2, {{"n", "400000000"}, {"yield-every", "100000"}});
    const auto plain = test::make("compute", 2, {{"n", "400000000"}});
    for (const auto& r : {test::run<coroutine_backend>(yielding), test::run<thread_backend>(plain)}) {
        INFO(r.backend);
        const auto m = measure(r);
        REQUIRE(m.tasks_ok == 2);
        CHECK(r.heartbeat.ticks > 10);
        CHECK(m.heartbeat_max_lag_s < 0.5 * m.longest_task_s);
    }
}
