// frozen_loop.cpp - a blocking call freezes an event loop; so does a long computation, unless
// it yields now and then.
//
// What it teaches: on an event loop everything - tasks, timers, a window's redraws - takes
// turns on one thread, and a task gives up its turn only when it awaits or yields. The
// lesson's window freezes because its button handler makes a blocking call (time.sleep) on
// the loop's thread; its cure is to make that call on a thread of its own. tasklab shows it
// with the lesson's two downloads made to block their thread (the download task's
// `wait=block`, which calls context::block_for) instead of awaiting, beside a heartbeat: a
// 1 ms timer on the same loop, whose lateness ("lag") shows how long the loop was frozen.
// Then the other way to freeze a loop: a computation that never yields, and its cure.
//
// Usage: example_frozen_loop [time-scale] [n]   (n: numbers to add, default 3000000000)
#include <tasklab/tasklab.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

using tasklab::run_metrics;

template <class Backend>
run_metrics downloads(double time_scale, std::string_view wait) {
    tasklab::scenario_settings settings;
    settings.tasks = 2;  // the lesson's two downloads of 1 to 10 s
    settings.time_scale = time_scale;
    const auto s = tasklab::make_scenario(tasklab::download_task{}, settings, {{"wait", std::string(wait)}});
    const auto report = Backend{}.run(s);
    const auto m = tasklab::measure(report);
    if (m.tasks_ok != 2) throw std::runtime_error("a download failed");
    fmt::print("  {:<9} downloads {:<16}: {:.3f} s, heartbeat late by up to {:8.3f} ms\n", report.backend,
               wait == "block" ? "block the thread" : "await", m.wall_s, m.heartbeat_max_lag_s * 1e3);
    return m;
}

run_metrics compute_on_loop(double time_scale, const std::string& n, const std::string& yield_every) {
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

// Ratios from the same program, never absolute times: the machine may be busy.
double times_later(const run_metrics& late, const run_metrics& punctual) {
    return late.heartbeat_max_lag_s / std::max(punctual.heartbeat_max_lag_s, 1e-6);
}

int run(double time_scale, const std::string& n) {
    fmt::print("The lesson's frozen window: two downloads on one event loop, beside a 1 ms heartbeat.\n");
    const auto awaiting = downloads<tasklab::coroutine_backend>(time_scale, "await");
    const auto blocking = downloads<tasklab::coroutine_backend>(time_scale, "block");
    const auto on_threads = downloads<tasklab::thread_backend>(time_scale, "block");
    fmt::print("Blocking the loop's thread made the heartbeat {:.0f} times later than awaiting; on threads of\n"
               "their own the same blocking calls kept it {:.0f} times more punctual than on the loop.\n",
               times_later(blocking, awaiting), times_later(blocking, on_threads));
    if (blocking.heartbeat_max_lag_s < 0.8 * blocking.longest_task_s) {
        fmt::print("FAILED: a blocking call on the loop should have held the heartbeat for a whole download\n");
        return 1;
    }
    if (times_later(blocking, awaiting) < 5 || times_later(blocking, on_threads) < 5) {
        fmt::print("FAILED: awaiting, or blocking on a thread, should have kept the heartbeat 5 times more punctual\n");
        return 1;
    }

    fmt::print("\nTwo tasks sum 1..{} on one event loop, beside the same heartbeat.\n", n);
    const auto frozen = compute_on_loop(time_scale, n, "0");
    const auto cured = compute_on_loop(time_scale, n, "100000");
    fmt::print("Never yielding froze the loop {:.0f} times longer than yielding did.\n", times_later(frozen, cured));
    if (frozen.heartbeat_max_lag_s < 0.3 * frozen.wall_s) {
        fmt::print("FAILED: without yields the heartbeat should have waited for a large part of the run\n");
        return 1;
    }
    if (times_later(frozen, cured) < 5) {
        fmt::print("FAILED: yielding should have kept the heartbeat at least 5 times more punctual\n");
        return 1;
    }
    fmt::print("A blocking call or a long computation holds the loop; awaiting, a thread, or yields set it free.\n");
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
