// thread_downloads.cpp - two downloads in two threads of one process.
//
// What it teaches: a thread is a second line of execution inside the same process. While one
// thread sleeps waiting for its "download", the other one runs - so the two downloads
// overlap in time, and the program waits for both (the lesson's start() and join()).
// The thread backend gives every task its own std::jthread and joins them all.
//
// Usage: example_thread_downloads [time-scale]   (1.0: the lesson's real seconds)
#include <tasklab/tasklab.hpp>

#include <fmt/core.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>

namespace {

int run(double time_scale) {
    tasklab::scenario_settings settings;
    settings.tasks = 2;
    settings.time_scale = time_scale;
    const auto downloads = tasklab::make_scenario(tasklab::download_task{}, settings);

    fmt::print("Process {} (main thread {}) starts two downloads in two threads.\n", ::getpid(),
               tasklab::current_thread_id());
    const auto report = tasklab::thread_backend{}.run(downloads);

    double sum_s = 0;
    for (const auto& r : report.records) {
        if (r.status != tasklab::task_status::ok) {
            fmt::print("FAILED: download {} did not finish: {}\n", r.index, r.error);
            return 1;
        }
        fmt::print("  download {} ran in thread {}: from {:.3f} s to {:.3f} s\n", r.index, r.worker,
                   static_cast<double>(r.start_ns) / 1e9, static_cast<double>(r.end_ns) / 1e9);
        sum_s += static_cast<double>(r.end_ns - r.start_ns) / 1e9;
    }
    const double total_s = static_cast<double>(report.wall_ns) / 1e9;
    fmt::print("Both done after {:.3f} s in total; one after the other they would take {:.3f} s.\n", total_s, sum_s);

    const auto& a = report.records[0];
    const auto& b = report.records[1];
    if (a.worker == b.worker || a.worker == tasklab::current_thread_id()) {
        fmt::print("FAILED: expected each download in a thread of its own, not the main thread\n");
        return 1;
    }
    // Two intervals overlap when each starts before the other ends.
    if (!(a.start_ns < b.end_ns && b.start_ns < a.end_ns)) {
        fmt::print("FAILED: the two downloads did not overlap in time\n");
        return 1;
    }
    fmt::print("The two downloads overlapped: each thread waited while the other did too.\n");
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
