// Statistics over runs: summaries and the ratio of two of them with its propagated spread.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "tasklab/statistics.hpp"

using namespace tasklab;

TEST_CASE("statistics: mean, sample deviation, median and the propagated ratio", "[statistics]") {
    const std::vector<double> v{1, 2, 3, 4};
    const auto s = summarize(v);
    CHECK(s.n == 4);
    CHECK(s.mean == Approx(2.5));
    CHECK(s.median == Approx(2.5));
    CHECK(s.stddev == Approx(1.2909944));
    CHECK(s.min == 1);
    CHECK(s.max == 4);
    const std::vector<double> one{7};
    CHECK(summarize(one).stddev == 0);
    summary_stats slow{3, 10, 1, 10, 9, 11}, fast{3, 2, 0.1, 2, 1.9, 2.1};
    const auto r = ratio_of(slow, fast);
    CHECK(r.ratio == Approx(5));
    CHECK(r.stddev == Approx(5 * std::sqrt(0.01 + 0.0025)));
}
