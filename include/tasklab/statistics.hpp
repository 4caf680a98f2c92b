#pragma once
// Summary statistics over repeated runs, and the speed-up of one backend over another with
// its uncertainty, the way hyperfine reports them.
#include <cstddef>
#include <span>

namespace tasklab {

struct summary_stats {
    std::size_t n = 0;
    double mean = 0;
    double stddev = 0;  // sample standard deviation (n - 1); 0 for a single value
    double median = 0;
    double min = 0;
    double max = 0;
};

summary_stats summarize(std::span<const double> values);

/// slow.mean / fast.mean, and its standard deviation by first-order error propagation:
/// sigma_r = r * sqrt((sigma_s / mean_s)^2 + (sigma_f / mean_f)^2).
struct ratio_estimate {
    double ratio = 0;
    double stddev = 0;
};
ratio_estimate ratio_of(const summary_stats& slow, const summary_stats& fast);

}  // namespace tasklab
