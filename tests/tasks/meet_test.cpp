// The meet task: tasks that wait for each other. Where the whole group is in flight at once
// they all meet; where it cannot be (one at a time, a pool of too few workers) it is the
// pool's classic deadlock, which the timeout ends and the check names.
#include <catch2/catch.hpp>

#include "hygiene.hpp"
#include "support.hpp"

using namespace tasklab;
using tasklab::test::contains;

namespace {

/// Each task gives up after `patience` simulated s at 0.05 (4: 200 ms).
scenario meeting(std::size_t tasks, std::size_t workers, const char* group = "0", double patience = 4) {
    return test::make_with("meet", tasks, {{"group", group}}, 0.05, [&](scenario_settings& st) {
        st.timeout = patience;
        st.workers = workers;
    });
}

}  // namespace

TEST_CASE("meet: every task meets its group where the group is in flight at once", "[meet][fork]") {
    const test::hygiene before;
    // A second of patience: under a sanitizer the sixth child may start long after the first.
    const auto s = meeting(6, 6, "0", 20);
    for (const auto* b : test::builtin_backends({"coroutine", "thread", "fork", "pool"})) {
        INFO(b->name());
        const auto r = test::run_on(b->name(), s);
        const auto m = measure(r);
        CHECK(m.tasks_ok == 6);
        CHECK(m.max_in_flight == 6);
        CHECK(r.result.check_passed);
        CHECK(r.result.check == "6 of 6 met their group");
    }
    before.check();
}

TEST_CASE("meet: too few workers for a group is a deadlock, ended by the timeout and named", "[meet][pool][faults]") {
    const test::hygiene before;
    for (const char* backend : {"pool", "sequential"}) {
        INFO(backend);
        const auto r = test::run_on(backend, meeting(6, 2));
        const auto m = measure(r);
        const std::size_t at_once = std::string_view(backend) == "pool" ? 2 : 1;
        CHECK(m.max_in_flight == at_once);
        // Every task but the last few to arrive waited for ones that could not start, and gave up.
        CHECK(m.tasks_cancelled == 6 - at_once);
        CHECK(m.tasks_ok == at_once);
        for (const auto& rec : r.records)
            if (rec.status == task_status::cancelled) CHECK(contains(rec.error, "timed out"));
        CHECK_FALSE(r.result.check_passed);
        CHECK(contains(r.result.check, "a deadlock"));
        CHECK(contains(r.result.check, "fewer than a group of 6"));
    }
    // Groups no larger than the pool: no deadlock.
    const auto r = test::run_on("pool", meeting(6, 2, "2"));
    CHECK(measure(r).tasks_ok == 6);
    CHECK(r.result.check_passed);
    before.check();
}

TEST_CASE("meet: without a timeout it is refused before anything runs", "[meet][usage]") {
    CHECK_THROWS_WITH(test::make("meet", 4), Catch::Contains("meet needs a `timeout`"));
    CHECK_THROWS_WITH(test::make_with("meet", 4, {}, 0.1,
                                      [](scenario_settings& st) {
                                          st.timeout = 1;
                                          st.memory = sharing::private_copy;
                                      }),
                      Catch::Contains("each fork child would count in its own copy"));
    CHECK_THROWS_WITH(test::make_with("meet", 5000, {{"group", "1"}}, 0.1, [](scenario_settings& st) { st.timeout = 1; }),
                      Catch::Contains("more than 1024 groups"));
}
