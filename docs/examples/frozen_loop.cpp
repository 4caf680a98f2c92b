// frozen_loop.cpp - a long computation freezes an event loop, unless it yields now and then.
//
// What it teaches: on an event loop everything - tasks, timers, a window's redraws - takes
// turns on one thread, and a task gives up its turn only when it waits or yields. A
// computation that never yields keeps everything else waiting until it ends (the lesson's
// frozen window). Yielding every so often lets the rest run in between. tasklab measures
// this with a heartbeat: a 1 ms timer on the same loop, whose lateness ("lag") shows how long
// the loop was frozen.
//
// Usage: example_frozen_loop [time-scale] [n]   (n: numbers to add, default 3000000000)
#include <tasklab/tasklab.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>

namespace {

tasklab::run_metrics compute_on_loop(double time_scale, const std::string& n, const std::string& yield_every) {
    tasklab::scenario_settings settings;
    settings.tasks = 2;
    settings.time_scale = time_scale;
    const auto s =
        tasklab::make_scenario(tasklab::compute_task{}, settings, {{"n", n}, {"yield-every", yield_every}});
    const auto report = tasklab::coroutine_backend{}.run(s);
    const auto m = tasklab::measure(report);
    const auto how = yield_every == "0" ? std::string("never yielding") : "yielding every " + yield_every;
    fmt::print("  {:<24}: {:.3f} s of summing, heartbeat late by up to {:8.3f} ms ({})\n", how, m.wall_s,
               m.heartbeat_max_lag_s * 1e3, report.result.check);
    if (!report.result.check_passed) throw std::runtime_error("the sum is wrong: " + report.result.check);
    return m;
}

int run(double time_scale, const std::string& n) {
    fmt::print("Two tasks sum 1..{} on one event loop, beside a 1 ms heartbeat.\n", n);
    const auto frozen = compute_on_loop(time_scale, n, "0");
    const auto cured = compute_on_loop(time_scale, n, "100000");

    // Ratios from the same program, never absolute times: the machine may be busy.
    const double ratio = frozen.heartbeat_max_lag_s / std::max(cured.heartbeat_max_lag_s, 1e-6);
    fmt::print("Never yielding froze the loop {:.0f} times longer than yielding did.\n", ratio);
    if (frozen.heartbeat_max_lag_s < 0.3 * frozen.wall_s) {
        fmt::print("FAILED: without yields the heartbeat should have waited for a large part of the run\n");
        return 1;
    }
    if (ratio < 5) {
        fmt::print("FAILED: yielding should have kept the heartbeat at least 5 times more punctual\n");
        return 1;
    }
    fmt::print("Without yields the heartbeat waited for the computation; with them it kept its beat.\n");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc > 1 ? std::atof(argv[1]) : 1.0, argc > 2 ? argv[2] : "3000000000");
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 2;
    }
}
