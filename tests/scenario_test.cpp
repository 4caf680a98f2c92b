// make_scenario: settings checked before any backend sees them.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace tasklab;

TEST_CASE("scenario: bad settings are refused before anything runs", "[scenario]") {
    CHECK_THROWS_AS(test::make("download", 0), usage_error);
    CHECK_THROWS_AS(test::make("download", max_tasks + 1), usage_error);
    CHECK_THROWS_AS(test::make("download", 1, {}, 0.0), usage_error);
    CHECK_THROWS_AS(test::make("download", 1, {}, -1.0), usage_error);
    CHECK_THROWS_WITH(test::make("download", 1, {{"min", "5"}, {"max", "2"}}), Catch::Contains("`min` 5 is above `max` 2"));
    CHECK_THROWS_WITH(test::make("deposit", 1, {{"amount", "0"}}), Catch::Contains("positive"));
    CHECK_THROWS_WITH(test::make("deposit", 1, {{"amount", "-3"}}), Catch::Contains("positive"));
    CHECK_THROWS_WITH(test::make("deposit", 3, {{"amount", "4000000000000000000"}}), Catch::Contains("overflow"));
    CHECK_THROWS_AS(test::make("compute", 5, {{"n", "4"}}), usage_error);
    CHECK_THROWS_AS(test::make("compute", 1, {{"n", "5000000000"}}), usage_error);
}
