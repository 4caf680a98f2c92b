#include <catch2/catch.hpp>

#include <ctime>
#include <limits>
#include <stdexcept>

#include "support.hpp"

using namespace tasklab;

TEST_CASE("account: validates like the lesson's property setter", "[deposit]") {
    CHECK(account::after_deposit(0, 1) == 1);
    CHECK(account::after_deposit(41, 1) == 42);
    CHECK_THROWS_AS(account::after_deposit(0, 0), std::invalid_argument);
    CHECK_THROWS_WITH(account::after_deposit(0, -5), Catch::Contains("positive") && Catch::Contains("-5"));
    CHECK_THROWS_AS(account::after_deposit(std::numeric_limits<std::int64_t>::max(), 1), std::overflow_error);
    CHECK(account::after_deposit(std::numeric_limits<std::int64_t>::max() - 1, 1) ==
          std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("download: durations are seeded, bounded and independent of the task count", "[download]") {
    for (std::size_t i = 0; i < 1000; ++i) {
        const double d = download_duration(7, i, 1, 10);
        CHECK(d >= 1.0);
        CHECK(d <= 10.0);
        CHECK(d == download_duration(7, i, 1, 10));
    }
    CHECK(download_duration(7, 0, 1, 10) != download_duration(8, 0, 1, 10));
    CHECK(download_duration(7, 3, 2, 2) == 2.0);
}

TEST_CASE("compute: the parts cover 1..n exactly once", "[compute]") {
    for (std::int64_t n : {1, 2, 7, 100, 1'000'003}) {
        for (std::size_t parts : {1u, 2u, 3u, 7u}) {
            if (static_cast<std::int64_t>(parts) > n) continue;
            std::int64_t expected_first = 1;
            for (std::size_t i = 0; i < parts; ++i) {
                const auto p = part_of(n, parts, i);
                CHECK(p.first == expected_first);
                CHECK(p.last >= p.first);
                expected_first = p.last + 1;
            }
            CHECK(expected_first == n + 1);
        }
    }
}

TEST_CASE("compute: the loop is not folded away - its CPU time grows with n", "[compute]") {
    // A closed form or a vectorised loop would make both runs about equally cheap. Four
    // times the work must cost clearly more than twice the CPU time (a ratio, not a speed).
    const auto cpu_of = [](std::int64_t n) {
        const auto s = test::make("compute", 1, {{"n", std::to_string(n)}});
        timespec a{}, b{};
        ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
        const auto r = test::run<sequential_backend>(s);
        ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
        REQUIRE(r.result.check_passed);
        return static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_nsec - a.tv_nsec) / 1e9;
    };
    cpu_of(10'000'000);  // warm up
    const double small = cpu_of(50'000'000);
    const double large = cpu_of(200'000'000);
    CHECK(large > 2.0 * small);
}
