// compare(): every backend over the same scenario, repeated, with warm-ups, and ranked.
#include <catch2/catch.hpp>

#include <string>

#include "support.hpp"
#include "tasklab/comparison.hpp"
#include "tasklab/format/table.hpp"

using namespace tasklab;
using tasklab::test::compare_on;

TEST_CASE("comparison: runs, warm-ups, the representative run and the ranking", "[comparison]") {
    const auto s = test::make("download", 3, {{"min", "1"}, {"max", "2"}}, 0.01);
    const auto c = compare_on({"sequential", "coroutine"}, s, 3, 1);
    REQUIRE(c.results.size() == 2);
    for (const auto& r : c.results) {
        CHECK(r.runs.size() == 3);  // the warm-up is not kept
        const auto wall = r.stats(&run_metrics::wall_s);
        CHECK(wall.n == 3);
        CHECK(wall.min <= wall.median);
        CHECK(wall.median <= wall.max);
        CHECK(r.representative_metrics().wall_s == Approx(wall.median));
    }
    const auto ranking = rank_by_wall(c);
    REQUIRE(ranking.size() == 1);
    CHECK(ranking[0].faster == "coroutine");
    CHECK(ranking[0].slower == "sequential");
    CHECK(ranking[0].ratio.ratio > 1.5);
    CHECK(ranking[0].ratio.stddev >= 0);
    CHECK(format::table(c).find("coroutine ran") != std::string::npos);
}
