// The download task's simulated durations.
#include <catch2/catch.hpp>

#include <cstddef>

#include "support.hpp"

using namespace tasklab;

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
