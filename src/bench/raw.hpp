#pragma once
// The raw baselines: each backend's mechanism written without tasklab, running the same task
// bodies as bench/work.hpp, timed and measured the same way as the tasklab probes. Internal
// to `tasklab bench`.
#include <optional>
#include <string_view>
#include <vector>

#include "bench/measure.hpp"
#include "bench/work.hpp"

namespace tasklab::bench {

/// Sequential: a plain loop calling the body N times on this thread.
sample raw_loop(const work_spec& spec);

/// Coroutine, callbacks: one io_context run by this thread; each task is a completion
/// handler (posted; a steady_timer's async_wait; a handler that re-posts itself K times).
sample raw_callbacks(const work_spec& spec);

/// Coroutine, awaitables: one io_context run by this thread; each task is an
/// asio::awaitable co_spawned before io_context::run(), its completion handler keeping the
/// first exception.
sample raw_awaitables(const work_spec& spec);

/// Thread: one std::thread per task, all created, then all joined. Stops creating at the
/// first failure (EAGAIN at the thread ceiling) and says so in sample::error.
sample raw_threads(const work_spec& spec);

/// Fork: per task a pipe2 and a fork; the child runs the body, writes its 8-byte result and
/// _exits; the parent reads each pipe to its end and reaps the child with wait4, whose
/// ru_maxrss is the child's peak (memory per task = the children's mean peak). Pipes held
/// open at once stay inside the file-descriptor limit, as tasklab's fork backend does.
sample raw_forks(const work_spec& spec);

/// Pool: an asio::thread_pool of one thread per core; every task posted to it, then joined.
sample raw_pool(const work_spec& spec);

/// raw_threads, raw_forks and raw_pool with a bare_ticker beside them: tasklab's heartbeat, a wake-up
/// every millisecond, without tasklab. Run beside the compute split only.
sample raw_threads_ticking(const work_spec& spec);
sample raw_forks_ticking(const work_spec& spec);
sample raw_pool_ticking(const work_spec& spec);

}  // namespace tasklab::bench

namespace tasklab::bench {

/// A raw baseline by the name reports give it.
struct baseline {
    const char* name;
    sample (*run)(const work_spec&);
};

/// The raw baselines of a backend, the reference of its ratios first: sequential - the plain
/// loop; coroutine - asio awaitables, then asio callbacks; thread - std::thread; fork - fork.
std::vector<baseline> baselines_of(std::string_view backend);

/// For the compute split, the reference's mechanism with a bare 1 ms ticker beside it (thread
/// and fork): what the heartbeat alone costs parts that keep every core busy.
std::optional<baseline> ticking_baseline_of(std::string_view backend);

}  // namespace tasklab::bench
