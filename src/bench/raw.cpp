#include "bench/raw.hpp"

namespace tasklab::bench {

std::vector<baseline> baselines_of(std::string_view backend) {
    if (backend == "sequential") return {{"plain loop", raw_loop}};
    if (backend == "coroutine") return {{"asio awaitable", raw_awaitables}, {"asio callback", raw_callbacks}};
    if (backend == "thread") return {{"std::thread", raw_threads}};
    if (backend == "fork") return {{"fork+pipe+wait4", raw_forks}};
    if (backend == "pool") return {{"asio::thread_pool", raw_pool}};
    return {};
}

std::optional<baseline> ticking_baseline_of(std::string_view backend) {
    if (backend == "thread") return baseline{"std::thread + 1 ms ticker", raw_threads_ticking};
    if (backend == "fork") return baseline{"fork+pipe+wait4 + 1 ms ticker", raw_forks_ticking};
    if (backend == "pool") return baseline{"asio::thread_pool + 1 ms ticker", raw_pool_ticking};
    return std::nullopt;
}

}  // namespace tasklab::bench
