// measure() and judge(): what a run's records add up to.
#include <catch2/catch.hpp>

#include <cstdint>

#include "support.hpp"
#include "tasklab/format/conclusions.hpp"

using namespace tasklab;

namespace {
task_record rec(std::uint32_t i, std::int64_t start_ms, std::int64_t end_ms, task_status s = task_status::ok) {
    task_record r;
    r.index = i;
    r.start_ns = start_ms * 1'000'000;
    r.end_ns = end_ms * 1'000'000;
    r.status = s;
    r.started = true;
    r.worker = 1000 + i;  // a thread each, as on the thread backend
    return r;
}
}  // namespace

TEST_CASE("metrics: concurrency, parallelism and in-flight come from the records", "[metrics]") {
    run_report r;
    r.wall_ns = 1'000'000'000;
    r.window_ns = 1'050'000'000;  // CPU time is taken over the window around the tasks
    r.cpu_s = 0.525;
    r.records = {rec(0, 0, 1000), rec(1, 0, 500), rec(2, 500, 1000), rec(3, 100, 200, task_status::failed)};
    r.records.push_back(task_record{});  // never started: counted as failed, adds no time
    r.records.back().index = 4;
    const auto m = measure(r);
    CHECK(m.wall_s == Approx(1.0));
    CHECK(m.task_time_s == Approx(1.0 + 0.5 + 0.5 + 0.1));
    CHECK(m.concurrency == Approx(2.1));
    CHECK(m.parallelism == Approx(0.5));  // cpu over the window, not over the tasks' span
    CHECK(m.fixed_cost_s == Approx(0.05));
    CHECK(m.max_in_flight == 3);  // 0, 1 and 3 overlap at 100..200 ms; 1 ends as 2 starts
    CHECK(m.tasks_ok == 3);
    CHECK(m.tasks_failed == 2);
    CHECK(m.longest_task_s == Approx(1.0));
    const auto v = judge(m);
    CHECK(v.concurrent);
    CHECK_FALSE(v.parallel);
}

TEST_CASE("metrics: a run whose machinery outweighs its tasks is too short to judge", "[metrics]") {
    // Two 10 us tasks in a 200 us window: 180 us of setting up and tearing down.
    run_report r;
    r.wall_ns = 110'000;
    r.window_ns = 200'000;
    r.cpu_s = 0.000'3;  // 1.5 cores busy, which one thread could not be
    r.records = {rec(0, 0, 0), rec(1, 0, 0)};
    r.records[0].start_ns = 90'000, r.records[0].end_ns = 100'000;
    r.records[1].start_ns = 100'000, r.records[1].end_ns = 110'000;
    const auto m = measure(r);
    CHECK(m.fixed_cost_s == Approx(180e-6));
    const auto v = judge(m, 2);
    CHECK(v.why_not == unjudged::too_short);
    CHECK_FALSE(v.concurrent);
    CHECK_FALSE(v.parallel);
    CHECK_THAT(format::verdict_line(m, r), Catch::Contains("too short to judge"));

    // A second long: judged unless setting up and tearing down took more than half of it.
    r.records = {rec(0, 100, 400), rec(1, 100, 400)};
    r.window_ns = 1'000'000'000;
    r.cpu_s = 0.5;
    CHECK(judge(measure(r), 2).why_not == unjudged::too_short);  // 0.7 s of 1 s outside the tasks
    r.records = {rec(0, 100, 900), rec(1, 100, 900)};
    CHECK(judge(measure(r), 2).why_not == unjudged::no);  // 0.2 s of 1 s
}

TEST_CASE("metrics: more cores busy than the process may use is not judged", "[metrics]") {
    run_report r;
    r.wall_ns = 1'000'000'000;
    r.window_ns = 1'000'000'000;
    r.cpu_s = 4.3;
    for (std::uint32_t i = 0; i < 8; ++i) r.records.push_back(rec(i, 0, 1000));  // eight threads
    const auto m = measure(r);
    CHECK(judge(m, 2).why_not == unjudged::over_cores);
    CHECK(judge(m, 8).why_not == unjudged::no);
    CHECK(judge(m, 8).parallel);
}

TEST_CASE("metrics: more cores busy than the workers that ran the tasks is not judged", "[metrics]") {
    // One thread ran both tasks (a coroutine loop, a sequential run), yet 1.6 cores were busy.
    run_report r;
    r.wall_ns = 1'000'000'000;
    r.window_ns = 1'000'000'000;
    r.cpu_s = 1.6;
    r.records = {rec(0, 0, 500), rec(1, 500, 1000)};
    for (auto& rec : r.records) rec.worker = 7;
    auto m = measure(r);
    CHECK(m.workers_used == 1);
    CHECK(judge(m, 8).why_not == unjudged::over_workers);
    CHECK_THAT(format::verdict_line(m, r), Catch::Contains("more than the 1 thread(s) or process(es) that ran"));
    // The run's own thread (a heartbeat) may add a little: 1.1 cores on one worker is judged.
    r.cpu_s = 1.1;
    m = measure(r);
    CHECK(judge(m, 8).why_not == unjudged::no);
    // Two workers may keep two cores busy.
    r.records[1].worker = 8;
    r.cpu_s = 1.6;
    m = measure(r);
    CHECK(m.workers_used == 2);
    CHECK(judge(m, 8).why_not == unjudged::no);
}

TEST_CASE("metrics: an empty run divides by nothing", "[metrics]") {
    const auto m = measure(run_report{});
    CHECK(m.concurrency == 0);
    CHECK(m.parallelism == 0);
    CHECK(m.max_in_flight == 0);
}
