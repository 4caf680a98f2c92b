// Parameters: defaults, parsing and bounds, checked against their specs.
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
