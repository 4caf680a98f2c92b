// The fork backend: a child process per task - children that die or lie, private memory,
// pipes, descriptors and reaping.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <string>

#include "backends/matrix.hpp"
#include "hygiene.hpp"
#include "support.hpp"
#include "wire.hpp"

using namespace tasklab;
using tasklab::test::contains;
using tasklab::test::hygiene;
using tasklab::test::make;
using tasklab::test::record;
using tasklab::test::run;
using tasklab::test::run_on;
using tasklab::test::watchdog;

TASKLAB_BACKEND_TESTS(fork_backend, "fork")

TEST_CASE("fork backend: a child killed by a signal is a failed record naming the signal and its pid", "[fork][faults]") {
    const auto fds_before = test::open_fds();
    const auto s = make("die", 4, {{"at", "2"}, {"signal", std::to_string(SIGKILL)}});
    const auto r = run<fork_backend>(s);

    const auto& dead = record(r, 2);
    CHECK(dead.status == task_status::failed);
    CHECK(dead.worker > 0);
    CHECK(dead.error.find("SIGKILL") != std::string::npos);
    CHECK(dead.error.find("signal 9") != std::string::npos);
    CHECK(dead.error.find(std::to_string(dead.worker)) != std::string::npos);
    for (std::size_t i : {0u, 1u, 3u}) {
        CHECK(record(r, i).status == task_status::ok);
        CHECK(record(r, i).worker != dead.worker);
    }
    CHECK(measure(r).tasks_failed == 1);
    CHECK(test::open_fds() == fds_before);
    CHECK(test::no_children_left());
}

TEST_CASE("fork backend: a child that exits without a result is a failed record with its exit code", "[fork][faults]") {
    for (const std::size_t at : {0u, 3u}) {  // the first child to start, and the last
        DYNAMIC_SECTION("task " << at) {
            const watchdog dog(60);
            const hygiene before;
            const auto r = run_on("fork", make("die", 4, {{"at", std::to_string(at)}, {"exit", "7"}}, 0.05));
            const auto& dead = record(r, at);
            CHECK(dead.status == task_status::failed);
            CHECK(contains(dead.error, "exited with code 7 without a result"));
            CHECK(contains(dead.error, std::to_string(dead.worker)));
            CHECK(measure(r).tasks_ok == 3);  // the other three
            before.check();
        }
    }
}

TEST_CASE("fork backend: half a result, a flood and a huge error never deadlock and are not trusted",
          "[faults][fork]") {
    for (const auto how : {"half", "flood", "big_error"}) {
        DYNAMIC_SECTION(how) {
            const watchdog dog(60);
            const hygiene before;
            const auto r = run_on("fork", make("bad_result", 4, {{"at", "1"}, {"how", how}}, 0.05));
            CHECK(measure(r).tasks_ok == 3);
            const auto& bad = record(r, 1);
            CHECK(bad.status == task_status::failed);
            if (std::string_view(how) == "big_error")
                CHECK(bad.error == std::string(wire::max_error_bytes, 'e'));  // cut to what a frame holds
            else
                CHECK(contains(bad.error, "sent a malformed result"));
            before.check();
        }
    }
}

TEST_CASE("fork backend: with private memory every child changes its own copy", "[fork][deposit]") {
    const auto s = make("deposit", 10, {{"sync", "lock"}, {"hold", "0.001"}}, 1.0, sharing::private_copy);
    const auto r = run<fork_backend>(s);
    REQUIRE(measure(r).tasks_ok == 10);
    REQUIRE(r.result.shared);
    CHECK(r.result.shared->actual == 0);  // the parent's account never changed
    CHECK(r.result.shared->expected == 10);
    for (const auto& rec : r.records) CHECK(rec.value == 1);  // each child saw only its own deposit
    CHECK(r.result.shared->note.find("own copy") != std::string::npos);
}

TEST_CASE("fork backend: children in flight stay within the file-descriptor limit", "[fork]") {
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit tight = saved;
    tight.rlim_cur = test::open_fds() + 40;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &tight) == 0);

    const auto s = make("download", 60, {{"min", "0.5"}, {"max", "0.5"}}, 0.1);
    const auto r = run<fork_backend>(s);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &saved) == 0);

    const auto m = measure(r);
    CHECK(m.tasks_ok == 60);  // never failed half-way for want of a descriptor
    CHECK(m.max_in_flight < 40);
    CHECK(m.max_in_flight > 1);
    CHECK(test::no_children_left());
}

TEST_CASE("fork backend: 2,000 tasks under a soft limit of 1,024 descriptors complete", "[faults][fork]") {
    const watchdog dog(120);
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit lower = saved;
    lower.rlim_cur = std::min<rlim_t>(1024, saved.rlim_cur);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lower) == 0);
    const hygiene before;
    const auto r = run_on("fork", make("download", 2000, {{"min", "0"}, {"max", "0"}}, 0.05));
    ::setrlimit(RLIMIT_NOFILE, &saved);
    const auto m = measure(r);
    CHECK(m.tasks_ok == 2000);  // never failed half-way for want of a descriptor
    CHECK(m.max_in_flight < 1024);
    before.check();
}

TEST_CASE("fork backend: heartbeat ticks taken between forks reach the run", "[fork][heartbeat]") {
    // 80 children: the parent forks for tens of milliseconds, so the ticks it takes meanwhile
    // fill its batch of 32 more than once before the first poll.
    const auto s = make("download", 80, {{"min", "0.2"}, {"max", "0.2"}}, 0.1);
    const auto r = run<fork_backend>(s);
    const auto m = measure(r);
    REQUIRE(m.tasks_ok == 80);
    CHECK(r.heartbeat.ticks > 0);
    // About one tick per period at most: a late tick moves the next to the period after it, so
    // a batch handed over late adds no catch-up ticks. (Ten periods of slack: the parent ticks
    // on while it reaps the last child, after that child's own end.)
    CHECK(static_cast<double>(r.heartbeat.ticks) <= m.wall_s * 1e3 + 10);
    CHECK(m.heartbeat_max_lag_s >= 0);
    CHECK(test::no_children_left());
}

TEST_CASE("fork backend: other backends refuse private memory before running", "[fork][usage]") {
    const auto s = make("deposit", 2, {}, 1.0, sharing::private_copy);
    thread_backend threads;
    CHECK_THROWS_AS(threads.check(s), usage_error);
    CHECK_THROWS_AS(threads.run(s), usage_error);
    fork_backend forks;
    CHECK_NOTHROW(forks.check(s));
}
