#include "tasklab/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tasklab {

summary_stats summarize(std::span<const double> values) {
    summary_stats s;
    s.n = values.size();
    if (values.empty()) return s;
    std::vector<double> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end());
    s.min = sorted.front();
    s.max = sorted.back();
    const std::size_t mid = sorted.size() / 2;
    s.median = sorted.size() % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    double sum = 0;
    for (double v : sorted) sum += v;
    s.mean = sum / static_cast<double>(s.n);
    if (s.n > 1) {
        double squares = 0;
        for (double v : sorted) squares += (v - s.mean) * (v - s.mean);
        s.stddev = std::sqrt(squares / static_cast<double>(s.n - 1));
    }
    return s;
}

ratio_estimate ratio_of(const summary_stats& slow, const summary_stats& fast) {
    if (fast.mean <= 0 || slow.mean <= 0) return {};
    const double r = slow.mean / fast.mean;
    const double rel_slow = slow.stddev / slow.mean;
    const double rel_fast = fast.stddev / fast.mean;
    return {r, r * std::sqrt(rel_slow * rel_slow + rel_fast * rel_fast)};
}

}  // namespace tasklab
