#include <catch2/catch.hpp>

#include "support.hpp"

using namespace tasklab;

TEST_CASE("params: defaults, parsing and bounds", "[params]") {
    param_values v(deposit_task{}.params());
    CHECK(v.integer("amount") == 1);
    CHECK(v.number("hold") == Approx(0.01));
    CHECK(v.choice("sync") == "lock");

    v.set("amount", "25");
    CHECK(v.integer("amount") == 25);
    v.set("sync", "none");
    CHECK(v.choice("sync") == "none");

    CHECK_THROWS_WITH(v.set("amount", "abc"), Catch::Contains("`amount`") && Catch::Contains("'abc'"));
    CHECK_THROWS_AS(v.set("amount", "1.5"), usage_error);
    CHECK_THROWS_AS(v.set("amount", ""), usage_error);
    CHECK_THROWS_AS(v.set("hold", "-1"), usage_error);
    CHECK_THROWS_AS(v.set("hold", "nan"), usage_error);
    CHECK_THROWS_AS(v.set("hold", "inf"), usage_error);
    CHECK_THROWS_WITH(v.set("sync", "mutex"), Catch::Contains("none, lock, atomic"));
    CHECK_THROWS_AS(v.set("colour", "red"), usage_error);
    CHECK_THROWS_AS(v.integer("colour"), usage_error);
}

TEST_CASE("scenario: bad settings are refused before anything runs", "[params]") {
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

TEST_CASE("registry: names are unique and found", "[params]") {
    registry r;
    add_builtin_tasks(r);
    CHECK(r.find("download"));
    CHECK(r.find("deposit"));
    CHECK(r.find("compute"));
    CHECK_FALSE(r.find("upload"));
    CHECK_THROWS_AS(r.add(std::make_unique<download_task>()), std::invalid_argument);
}
