// What only the fork backend does: children that die, private memory, pipes and reaping.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>

#include <string>

#include "support.hpp"

using namespace tasklab;
using tasklab::test::make;
using tasklab::test::run;

namespace {

const task_record& record(const run_report& r, std::size_t index) { return r.records.at(index); }

}  // namespace

TEST_CASE("fork: a child killed by a signal is a failed record naming the signal and its pid", "[fork][faults]") {
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

TEST_CASE("fork: a child that exits without a result is a failed record with its exit code", "[fork][faults]") {
    const auto s = make("die", 3, {{"at", "0"}, {"exit", "7"}});
    const auto r = run<fork_backend>(s);
    const auto& dead = record(r, 0);
    CHECK(dead.status == task_status::failed);
    CHECK(dead.error.find("exited with code 7") != std::string::npos);
    CHECK(dead.error.find(std::to_string(dead.worker)) != std::string::npos);
    CHECK(record(r, 1).status == task_status::ok);
    CHECK(record(r, 2).status == task_status::ok);
    CHECK(test::no_children_left());
}

TEST_CASE("fork: with private memory every child changes its own copy", "[fork][deposit]") {
    const auto s = make("deposit", 10, {{"sync", "lock"}, {"hold", "0.001"}}, 1.0, sharing::private_copy);
    const auto r = run<fork_backend>(s);
    REQUIRE(measure(r).tasks_ok == 10);
    REQUIRE(r.result.shared);
    CHECK(r.result.shared->actual == 0);  // the parent's account never changed
    CHECK(r.result.shared->expected == 10);
    for (const auto& rec : r.records) CHECK(rec.value == 1);  // each child saw only its own deposit
    CHECK(r.result.shared->note.find("own copy") != std::string::npos);
}

TEST_CASE("fork: children in flight stay within the file-descriptor limit", "[fork]") {
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

TEST_CASE("fork: heartbeat ticks taken between forks reach the run", "[fork][heartbeat]") {
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

TEST_CASE("fork: other backends refuse private memory before running", "[fork][usage]") {
    const auto s = make("deposit", 2, {}, 1.0, sharing::private_copy);
    thread_backend threads;
    CHECK_THROWS_AS(threads.check(s), usage_error);
    CHECK_THROWS_AS(threads.run(s), usage_error);
    fork_backend forks;
    CHECK_NOTHROW(forks.check(s));
}
