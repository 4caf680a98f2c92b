// processes.cpp - the lesson's two tasks, each in its own child process, started together
// and waited for together.
//
// What it teaches: a child process runs on its own, so while one child waits the other waits
// too, side by side. The parent starts both, then waits for both (the lesson's start() and
// join()), and the total time is that of the longer task, not the sum of the two.
// The fork backend does the starting and waiting: one fork() per task, the result comes
// back over a pipe, and the parent reaps every child.
//
// Usage: example_processes [time-scale]   (1.0: the lesson's real seconds)
#include <tasklab/tasklab.hpp>

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <set>

namespace {

int run(double time_scale) {
    tasklab::scenario_settings settings;
    settings.tasks = 2;  // the lesson's two processes, each sleeping randint(1, 10) s
    settings.time_scale = time_scale;
    const auto downloads = tasklab::make_scenario(tasklab::download_task{}, settings, {{"min", "1"}, {"max", "10"}});

    fmt::print("The parent (pid {}) starts {} downloads, one child process each, and waits for them.\n", ::getpid(),
               settings.tasks);
    const auto report = tasklab::fork_backend{}.run(downloads);

    double sum_s = 0, longest_s = 0;
    std::set<std::int64_t> pids;
    for (const auto& r : report.records) {
        if (r.status != tasklab::task_status::ok) {
            fmt::print("FAILED: download {} did not finish: {}\n", r.index, r.error);
            return 1;
        }
        // The times are the child's own, on the same monotonic clock as the parent's.
        const double took_s = static_cast<double>(r.end_ns - r.start_ns) / 1e9;
        fmt::print("  download {} ran in child process {} and took {:.3f} s ({:.3f} simulated s)\n", r.index,
                   r.worker, took_s, static_cast<double>(r.value) / 1000.0);
        sum_s += took_s;
        longest_s = std::max(longest_s, took_s);
        pids.insert(r.worker);
    }
    const double total_s = static_cast<double>(report.wall_ns) / 1e9;
    fmt::print("Total time {:.3f} s. The longer download took {:.3f} s; one after the other they would take {:.3f} s.\n",
               total_s, longest_s, sum_s);

    if (pids.size() != settings.tasks || pids.count(::getpid()) != 0) {
        fmt::print("FAILED: expected {} different child processes, none of them the parent\n", settings.tasks);
        return 1;
    }
    // Structure, not speed: overlapping waits must finish well before their sum.
    if (total_s >= 0.8 * sum_s) {
        fmt::print("FAILED: the children did not wait side by side ({:.3f} s is not well below the sum {:.3f} s)\n",
                   total_s, sum_s);
        return 1;
    }
    fmt::print("So the children waited at the same time: the total is about the longer task, not the sum.\n");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc > 1 ? std::atof(argv[1]) : 1.0);
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 2;
    }
}
