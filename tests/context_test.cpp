// What the context records of a task as it meters it: its CPU time and its wait spans.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace tasklab;

TEST_CASE("context: records hold each task's CPU time where the backend can measure it", "[context]") {
    const auto s = test::make("compute", 2, {{"n", "100000000"}});
    for (const auto& r : {test::run<sequential_backend>(s), test::run<thread_backend>(s)}) {
        INFO(r.backend);
        for (const auto& rec : r.records) {
            CHECK(rec.cpu_ns > 0);
            CHECK(rec.cpu_ns <= rec.end_ns - rec.start_ns + 5'000'000);  // a CPU-bound task: about its span
        }
    }
    const auto waiting = test::make("download", 2, {{"min", "1"}, {"max", "1"}}, 0.05);
    const auto r = test::run<coroutine_backend>(waiting);
    for (const auto& rec : r.records) {
        CHECK(rec.cpu_ns >= 0);
        CHECK(rec.cpu_ns < (rec.end_ns - rec.start_ns) / 2);  // it waited, it did not compute
    }
    CHECK(r.usage.peak_rss_kib > 0);
}

TEST_CASE("context: records' wait spans show sleeping, locking and interleaving", "[context][coroutine]") {
    run_options options;
    options.record_waits = true;
    coroutine_backend b;
    const auto d = b.run(test::make("download", 2, {{"min", "1"}, {"max", "1"}}, 0.02), options);
    for (const auto& rec : d.records) {
        REQUIRE(rec.waits.size() == 1);
        CHECK(rec.waits[0].kind == wait_kind::sleep);
        CHECK(rec.waits[0].end_ns - rec.waits[0].start_ns >= 20'000'000 * 0.999);
    }
    const auto l = b.run(test::make("deposit", 3, {{"sync", "lock"}, {"hold", "0.01"}}), options);
    std::size_t lock_waits = 0;
    for (const auto& rec : l.records)
        for (const auto& w : rec.waits) lock_waits += w.kind == wait_kind::lock;
    CHECK(lock_waits == 2);  // the first takes the free lock, the other two wait for it
    const auto y = b.run(test::make("compute", 2, {{"n", "20000000"}, {"yield-every", "100000"}}), options);
    for (const auto& rec : y.records) {
        CHECK_FALSE(rec.waits.empty());
        CHECK(rec.waits.size() < 100);  // 100 yields each, merged into interleaved spans
        for (const auto& w : rec.waits) CHECK(w.kind == wait_kind::interleaved);
    }
}
