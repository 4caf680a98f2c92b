// The pool backend: M tasks on N worker threads, in the order of its queue.
#include <catch2/catch.hpp>

#include <vector>

#include "backends/matrix.hpp"
#include "support.hpp"

using namespace tasklab;
using tasklab::test::make;
using tasklab::test::make_with;
using tasklab::test::run;

TASKLAB_BACKEND_TESTS(pool_backend, "pool")

TEST_CASE("pool backend: 100 downloads on 4 workers are never more than 4 at once, and wait in the queue",
          "[pool][download]") {
    // 1..10 simulated s at 0.002: waits of 2..20 ms, about 0.28 s of them per worker.
    const auto s = make_with("download", 100, {}, 0.002, [](scenario_settings& st) { st.workers = 4; });
    const auto r = run<pool_backend>(s);
    const auto m = measure(r);
    CHECK(m.tasks_ok == 100);
    CHECK(m.max_in_flight == 4);
    CHECK(m.workers_used == 4);
    std::vector<double> durations;
    double sum_s = 0;
    for (const auto& rec : r.records) {
        durations.push_back(download_duration(s.settings.seed, rec.index, 1, 10) * 0.002);
        sum_s += durations.back();
    }
    // No faster than four workers taking the tasks in order can be; far from the sum.
    CHECK(m.wall_s >= test::matrix::makespan(durations, 4) * 0.999);
    CHECK(m.wall_s < 0.5 * sum_s);
    // A task waited in the queue: the later ones started well after the first.
    CHECK(r.records.back().start_ns > r.records.front().start_ns + static_cast<std::int64_t>(0.2 * sum_s / 4 * 1e9));
}

TEST_CASE("pool backend: a worker thread that cannot be made fails every task, saying why", "[pool][faults]") {
    const auto s = make_with("download", 5, {}, 0.01, [](scenario_settings& st) { st.workers = 3; });
    run_options options;
    options.fail_creation_at = 1;  // the second worker: EAGAIN
    const auto r = pool_backend{}.run(s, options);
    REQUIRE(r.records.size() == 5);
    for (const auto& rec : r.records) {
        CHECK(rec.status == task_status::failed);
        CHECK_FALSE(rec.started);
        CHECK(test::contains(rec.error, "worker thread 2 of 3 could not be created"));
        CHECK(test::contains(rec.error, "try fewer --workers"));
    }
}

TEST_CASE("pool backend: --workers 0 means one worker per core", "[pool]") {
    scenario_settings st;
    CHECK(workers_of(st) == std::max(1u, std::thread::hardware_concurrency()));
    st.workers = 3;
    CHECK(workers_of(st) == 3);
}

TEST_CASE("pool backend: a task that never yields is refused: nothing could take its worker back", "[pool][faults]") {
    const auto s = make_with("download", 2, {}, 0.01, [](scenario_settings& st) {
        st.faults.spin = {0};
        st.timeout = 1;
    });
    CHECK_THROWS_WITH(pool_backend{}.run(s), Catch::Contains("`spin` 0: on the pool backend"));
}
