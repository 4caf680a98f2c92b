// [faults]: tasks that throw, crash, hang, spin or cannot start, and runs that are stopped -
// on every backend where the fault can happen (a fork child that dies or lies on its own is in
// backends/fork_test.cpp, tagged [faults] too). After each case the process is as it was: no
// child left (not even a zombie), no descriptor and no thread more than before.
//
// Every wait is bounded: a watchdog (alarm) ends the test binary with a message if a case
// hangs, so a bug fails CI instead of stalling it. `make stress` runs this suite 50 times
// with TASKLAB_TEST_JITTER_SEED set, which varies the delays below from run to run.
#include <catch2/catch.hpp>

#include <signal.h>

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <cstdlib>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "hygiene.hpp"
#include "support.hpp"

using namespace tasklab;

namespace {

using test::contains;
using test::hygiene;
using test::make_with;
using test::record;
using test::run_on;
using test::watchdog;

/// 0 normally; under `make stress`, a random number of milliseconds up to `max_ms`.
int jitter_ms(int max_ms) {
    static const char* seed_text = std::getenv("TASKLAB_TEST_JITTER_SEED");
    if (!seed_text) return 0;
    static std::mt19937 rng(static_cast<unsigned>(std::strtoul(seed_text, nullptr, 10)));
    return std::uniform_int_distribution<int>(0, max_ms)(rng);
}

// Each case below runs on one backend by name, under a watchdog, and checks the process's
// hygiene after it. The in-process backends run it in one test and fork in another, tagged
// [fork] (the tsan preset leaves those out).
const std::vector<std::string_view> in_process{"sequential", "coroutine", "thread"};

void a_task_that_throws_fails_alone(std::string_view backend) {
    const watchdog dog(60);
    const hygiene before;
    const auto s = make_with("download", 5, {{"min", "0.1"}, {"max", "0.1"}}, 0.05,
                             [](scenario_settings& st) { st.faults.fail = {2}; });
    const auto r = run_on(backend, s);
    const auto m = measure(r);
    CHECK(m.tasks_ok == 4);
    CHECK(m.tasks_failed == 1);
    CHECK(record(r, 2).status == task_status::failed);
    CHECK(record(r, 2).error == "task 2 failed on purpose (its fault plan: fail)");
    before.check();
}

void a_hung_task_is_cancelled_at_its_timeout(std::string_view backend) {
    const watchdog dog(60);
    const hygiene before;
    // 0.1 simulated s per task, a timeout of 2, at 0.05 real s per simulated s: the hung
    // task is cut after 0.1 s instead of waiting "forever".
    const auto s = make_with("download", 4, {{"min", "0.1"}, {"max", "0.1"}}, 0.05, [](scenario_settings& st) {
        st.timeout = 2;
        st.faults.hang = {1};
    });
    const auto r = run_on(backend, s);
    const auto m = measure(r);
    CHECK(m.tasks_ok == 3);
    CHECK(m.tasks_cancelled == 1);
    CHECK(record(r, 1).status == task_status::cancelled);
    CHECK(contains(record(r, 1).error, "timed out after 100 ms, its timeout"));
    before.check();
}

void waiting_for_a_hung_lock_times_out(std::string_view backend) {
    const watchdog dog(60);
    const hygiene before;
    // Task 0 takes the account's lock and hangs inside it (its hold is endless); the
    // others queue for the lock and must give up at their own deadline.
    const auto s = make_with("deposit", 3, {{"hold", "3600"}, {"sync", "lock"}}, 0.05,
                             [](scenario_settings& st) { st.timeout = 2; });
    const auto r = run_on(backend, s);
    const auto m = measure(r);
    CHECK(m.tasks_ok == 0);
    CHECK(m.tasks_cancelled == 3);
    for (const auto& rec : r.records) CHECK(contains(rec.error, "timed out"));
    before.check();
}

void a_stop_mid_run_cancels_and_reports(std::string_view backend) {
    const watchdog dog(60);
    const hygiene before;
    // Six downloads of 1 real second each; the stop comes after 100-300 ms, as a signal
    // handler would deliver it (a store to a lock-free atomic).
    const auto s = make_with("download", 6, {{"min", "20"}, {"max", "20"}}, 0.05, [](scenario_settings&) {});
    std::atomic<int> signal_seen{0};
    run_options options;
    options.stop_signal = &signal_seen;
    const auto started = monotonic_ns();
    const auto delay_ns = (100 + jitter_ms(200)) * 1'000'000LL;
    options.progress = [&](std::size_t, std::size_t) {
        if (monotonic_ns() - started >= delay_ns) signal_seen.store(SIGINT);
    };
    const auto r = run_on(backend, s, options);
    const auto m = measure(r);
    CHECK(r.stopped_by == "SIGINT");
    CHECK(m.tasks_ok + m.tasks_failed + m.tasks_cancelled == 6);
    CHECK(m.tasks_cancelled == 6);  // none could finish its second before the stop
    CHECK(m.tasks_failed == 0);
    CHECK(static_cast<double>(monotonic_ns() - started) / 1e9 < 0.9);  // not "after the downloads"
    before.check();
}

void tasks_not_created_end_the_run(std::string_view backend) {
    const watchdog dog(60);
    const hygiene before;
    // Root ignores RLIMIT_NPROC, so a seam makes creation of task 3 fail with EAGAIN.
    run_options options;
    options.fail_creation_at = 3;
    const auto s = test::make("download", 6, {{"min", "0.1"}, {"max", "0.1"}}, 0.05);
    const auto r = run_on(backend, s, options);
    const auto m = measure(r);
    CHECK(m.tasks_ok == 3);  // the started ones were joined (reaped) and finished
    CHECK(m.tasks_failed == 3);
    for (std::size_t i = 3; i < 6; ++i) {
        CHECK_FALSE(record(r, i).started);
        CHECK(contains(record(r, i).error, "could not be created"));
        CHECK(contains(record(r, i).error, "ulimit -u"));
        CHECK(contains(record(r, i).error, "try fewer tasks"));
    }
    before.check();
}

}  // namespace

TEST_CASE("faults: a task that throws fails alone, on the in-process backends", "[faults]") {
    for (const auto name : in_process) {
        DYNAMIC_SECTION(name) { a_task_that_throws_fails_alone(name); }
    }
}

TEST_CASE("faults: a task that throws fails alone, on fork", "[faults][fork]") { a_task_that_throws_fails_alone("fork"); }

TEST_CASE("faults: a hung task is cancelled at its timeout and the others finish, on the in-process backends",
          "[faults]") {
    for (const auto name : in_process) {
        DYNAMIC_SECTION(name) { a_hung_task_is_cancelled_at_its_timeout(name); }
    }
}

TEST_CASE("faults: a hung task is cancelled at its timeout and the others finish, on fork", "[faults][fork]") {
    a_hung_task_is_cancelled_at_its_timeout("fork");
}

TEST_CASE("faults: a task waiting for a lock held by a hung task times out too, on the in-process backends",
          "[faults]") {
    for (const auto name : in_process) {
        DYNAMIC_SECTION(name) { waiting_for_a_hung_lock_times_out(name); }
    }
}

TEST_CASE("faults: a task waiting for a lock held by a hung task times out too, on fork", "[faults][fork]") {
    waiting_for_a_hung_lock_times_out("fork");
}

TEST_CASE("faults: a stop mid-run (SIGINT) cancels what runs, starts nothing more, and reports, on the in-process "
          "backends",
          "[faults]") {
    for (const auto name : in_process) {
        DYNAMIC_SECTION(name) { a_stop_mid_run_cancels_and_reports(name); }
    }
}

TEST_CASE("faults: a stop mid-run (SIGINT) cancels what runs, starts nothing more, and reports, on fork",
          "[faults][fork]") {
    a_stop_mid_run_cancels_and_reports("fork");
}

TEST_CASE("faults: when threads cannot be created, the rest are not started and the run ends", "[faults]") {
    tasks_not_created_end_the_run("thread");
}

TEST_CASE("faults: when processes cannot be created, the rest are not started and the run ends", "[faults][fork]") {
    tasks_not_created_end_the_run("fork");
}

TEST_CASE("faults: a fork child that segfaults is a failed record naming its pid and signal", "[faults][fork]") {
    const watchdog dog(60);
    const hygiene before;
    const auto s = make_with("download", 5, {{"min", "0.1"}, {"max", "0.1"}}, 0.05,
                             [](scenario_settings& st) { st.faults.crash = {1}; });
    const auto r = run_on("fork", s);
    CHECK(measure(r).tasks_ok == 4);
    const auto& dead = record(r, 1);
    CHECK(dead.status == task_status::failed);
    CHECK(contains(dead.error, fmt::format("child {} killed by signal {} (SIGSEGV", dead.worker, SIGSEGV)));
    before.check();
}

TEST_CASE("faults: a fork child killed holding the lock: the next holder repairs the account", "[faults][fork]") {
    const watchdog dog(60);
    const hygiene before;
    // Task 2 dies of SIGKILL inside the lock, halfway through its deposit.
    const auto s = make_with("deposit", 20, {{"sync", "lock"}, {"hold", "0.01"}}, 0.05, [](scenario_settings& st) {
        st.faults.crash = {2};
        st.faults.crash_signal = SIGKILL;
    });
    const auto r = run_on("fork", s);
    const auto m = measure(r);
    CHECK(m.tasks_ok == 19);
    CHECK(contains(record(r, 2).error, "SIGKILL"));
    REQUIRE(r.result.shared.has_value());
    CHECK(r.result.shared->actual == 19);  // the committed deposits, and only they
    CHECK(r.result.shared->lost() == 0);
    CHECK(r.result.check_passed);
    CHECK(contains(r.result.check, "1 recovery"));
    CHECK(contains(r.result.shared->note, "rolled its half-done deposit back"));
    before.check();
}

namespace {

// The task's own body, then task `at` kills its process before it can report: a child that
// finished its work and died, as a stop's SIGTERM can catch one at any moment.
class dies_after_its_task final : public workload_wrapper {
public:
    dies_after_its_task(std::shared_ptr<const workload> inner, std::uint32_t at)
        : workload_wrapper(std::move(inner)), at_(at) {}
    awaitable<task_result> run(context& ctx) const override {
        auto result = co_await inner().run(ctx);
        if (ctx.index() == at_) ::raise(SIGKILL);
        co_return result;
    }

private:
    std::uint32_t at_;
};

}  // namespace

TEST_CASE("faults: a fork child that dies after its deposit: expected counts what was committed", "[faults][fork]") {
    const watchdog dog(60);
    const hygiene before;
    // Task 5's record is a failure, but its money is in the balance - and in the expected figure.
    for (const auto sync : {"none", "lock", "atomic"}) {
        INFO("sync " << sync);
        auto s = test::make("deposit", 20, {{"sync", sync}, {"hold", "0"}}, 0.05);
        s.work = std::make_shared<dies_after_its_task>(s.work, 5);
        const auto r = run_on("fork", s);
        CHECK(measure(r).tasks_ok == 19);
        CHECK(contains(record(r, 5).error, "SIGKILL"));
        REQUIRE(r.result.shared.has_value());
        CHECK(r.result.shared->expected == 20);
        CHECK(r.result.shared->lost() >= 0);
        if (std::string_view(sync) != "none") {
            CHECK(r.result.shared->actual == 20);
            CHECK(r.result.check_passed);
            CHECK_FALSE(contains(r.result.check, "despite"));
        }
    }
    before.check();
}

TEST_CASE("faults: a spinning fork child is stopped by SIGTERM at its timeout", "[faults][fork]") {
    const watchdog dog(60);
    const hygiene before;
    const auto s = make_with("download", 3, {{"min", "0.1"}, {"max", "0.1"}}, 0.05, [](scenario_settings& st) {
        st.timeout = 2;
        st.faults.spin = {0};
    });
    const auto r = run_on("fork", s);
    CHECK(measure(r).tasks_ok == 2);
    CHECK(record(r, 0).status == task_status::cancelled);
    CHECK(contains(record(r, 0).error, "SIGTERM"));
    before.check();
}

TEST_CASE("faults: --crash and --spin are refused where they would take tasklab down or never end", "[faults]") {
    const auto crash = make_with("download", 2, {}, 0.05, [](scenario_settings& st) { st.faults.crash = {0}; });
    for (const auto name : {"sequential", "coroutine", "thread"}) CHECK_THROWS_AS(make_backend(name)->check(crash), usage_error);
    const auto spin = make_with("download", 2, {}, 0.05, [](scenario_settings& st) {
        st.timeout = 1;
        st.faults.spin = {0};
    });
    for (const auto name : {"sequential", "coroutine"}) CHECK_THROWS_AS(make_backend(name)->check(spin), usage_error);
    CHECK_THROWS_AS(make_with("download", 2, {}, 0.05, [](scenario_settings& st) { st.faults.hang = {0}; }),
                    usage_error);  // no --timeout: it would never end
    CHECK_THROWS_AS(make_with("download", 2, {}, 0.05, [](scenario_settings& st) { st.faults.fail = {2}; }),
                    usage_error);  // no task 2
}

TEST_CASE("faults: a task named by two faults is refused; --fail-rate spares listed tasks", "[faults]") {
    const auto both = [](auto set) {
        return [set](scenario_settings& st) {
            st.timeout = 1;
            set(st.faults);
        };
    };
    CHECK_THROWS_WITH(make_with("download", 3, {}, 0.05, both([](fault_plan& f) { f.crash = {1}, f.hang = {1}; })),
                      Catch::Contains("`crash` 1 and `hang` 1: a task has one fault at a time"));
    CHECK_THROWS_WITH(make_with("download", 3, {}, 0.05, both([](fault_plan& f) { f.crash = {1}, f.spin = {0, 1}; })),
                      Catch::Contains("`crash` 1 and `spin` 1"));
    CHECK_THROWS_WITH(make_with("download", 3, {}, 0.05, both([](fault_plan& f) { f.fail = {2}, f.hang = {2}; })),
                      Catch::Contains("`fail` 2 and `hang` 2"));
    CHECK_NOTHROW(make_with("download", 3, {}, 0.05, both([](fault_plan& f) { f.crash = {1}, f.hang = {2}; })));

    // Every task drawn to fail, but the hung one hangs: it is cancelled at its timeout, not failed.
    const auto s = make_with("download", 4, {{"min", "1"}, {"max", "1"}}, 0.01, [](scenario_settings& st) {
        st.timeout = 2;
        st.faults.fail_rate = 1;
        st.faults.hang = {3};
    });
    const auto m = measure(make_backend("coroutine")->run(s));
    CHECK(m.tasks_failed == 3);
    CHECK(m.tasks_cancelled == 1);
}
