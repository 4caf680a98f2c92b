// The compute task: its parts, and a loop the compiler cannot fold away.
#include <catch2/catch.hpp>

#include <ctime>

#include "support.hpp"

using namespace tasklab;

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
