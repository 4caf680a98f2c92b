// measure() and judge(): what a run's records add up to.
#include <catch2/catch.hpp>

#include <cstdint>

#include "support.hpp"

using namespace tasklab;

namespace {
task_record rec(std::uint32_t i, std::int64_t start_ms, std::int64_t end_ms, task_status s = task_status::ok) {
    task_record r;
    r.index = i;
    r.start_ns = start_ms * 1'000'000;
    r.end_ns = end_ms * 1'000'000;
    r.status = s;
    r.started = true;
    return r;
}
}  // namespace

TEST_CASE("metrics: concurrency, parallelism and in-flight come from the records", "[metrics]") {
    run_report r;
    r.wall_ns = 1'000'000'000;
    r.cpu_s = 0.5;
    r.records = {rec(0, 0, 1000), rec(1, 0, 500), rec(2, 500, 1000), rec(3, 100, 200, task_status::failed)};
    r.records.push_back(task_record{});  // never started: counted as failed, adds no time
    r.records.back().index = 4;
    const auto m = measure(r);
    CHECK(m.wall_s == Approx(1.0));
    CHECK(m.task_time_s == Approx(1.0 + 0.5 + 0.5 + 0.1));
    CHECK(m.concurrency == Approx(2.1));
    CHECK(m.parallelism == Approx(0.5));
    CHECK(m.max_in_flight == 3);  // 0, 1 and 3 overlap at 100..200 ms; 1 ends as 2 starts
    CHECK(m.tasks_ok == 3);
    CHECK(m.tasks_failed == 2);
    CHECK(m.longest_task_s == Approx(1.0));
    const auto v = judge(m);
    CHECK(v.concurrent);
    CHECK_FALSE(v.parallel);
}

TEST_CASE("metrics: an empty run divides by nothing", "[metrics]") {
    const auto m = measure(run_report{});
    CHECK(m.concurrency == 0);
    CHECK(m.parallelism == 0);
    CHECK(m.max_in_flight == 0);
}
