// Raw baselines whose tasks block the thread they run on: the plain loop (sequential), bare
// std::thread (thread) and a bare asio::thread_pool (pool).
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>

#include <fmt/format.h>

#include <algorithm>

#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "bench/bare_ticker.hpp"
#include "bench/body.hpp"
#include "bench/raw.hpp"
#include "tasklab/clock.hpp"

namespace tasklab::bench {

sample raw_loop(const work_spec& spec) {
    std::vector<std::int64_t> results(spec.tasks);
    sample s;
    const memory_window memory;
    const auto t0 = monotonic_ns();
    for (std::size_t i = 0; i < spec.tasks; ++i) results[i] = blocking_body(spec, i);
    s.wall_ns = monotonic_ns() - t0;
    memory.finish(s, spec.tasks);
    s.started = spec.tasks;
    for (std::size_t i = 0; i < spec.tasks; ++i) s.failed += results[i] != expected_value(spec, i);
    return s;
}

namespace {

sample threads(const work_spec& spec, bool ticking) {
    std::vector<std::int64_t> results(spec.tasks, 0);
    std::vector<std::thread> threads;
    threads.reserve(spec.tasks);
    sample s;
    const memory_window memory;
    std::optional<bare_ticker> ticker;
    if (ticking) ticker.emplace();
    const auto t0 = monotonic_ns();
    for (std::size_t i = 0; i < spec.tasks; ++i) {
        try {
            threads.emplace_back([&spec, &results, i] { results[i] = blocking_body(spec, i); });
        } catch (const std::system_error& e) {
            s.error = fmt::format("std::thread number {} could not be created: {}", i + 1, e.what());
            break;  // at the ceiling: join what runs, report how far it got
        }
    }
    for (auto& t : threads) t.join();
    s.wall_ns = monotonic_ns() - t0;
    ticker.reset();
    memory.finish(s, spec.tasks);
    s.started = threads.size();
    for (std::size_t i = 0; i < spec.tasks; ++i) s.failed += results[i] != expected_value(spec, i);
    return s;
}

sample pool(const work_spec& spec, bool ticking) {
    std::vector<std::int64_t> results(spec.tasks, 0);
    sample s;
    const memory_window memory;
    std::optional<bare_ticker> ticker;
    if (ticking) ticker.emplace();
    const auto t0 = monotonic_ns();
    {
        asio::thread_pool workers(std::max(1u, std::thread::hardware_concurrency()));
        for (std::size_t i = 0; i < spec.tasks; ++i)
            asio::post(workers, [&spec, &results, i] { results[i] = blocking_body(spec, i); });
        workers.join();
    }
    s.wall_ns = monotonic_ns() - t0;
    ticker.reset();
    memory.finish(s, spec.tasks);
    s.started = spec.tasks;
    for (std::size_t i = 0; i < spec.tasks; ++i) s.failed += results[i] != expected_value(spec, i);
    return s;
}

}  // namespace

sample raw_threads(const work_spec& spec) { return threads(spec, false); }

sample raw_threads_ticking(const work_spec& spec) { return threads(spec, true); }

sample raw_pool(const work_spec& spec) { return pool(spec, false); }

sample raw_pool_ticking(const work_spec& spec) { return pool(spec, true); }

}  // namespace tasklab::bench
