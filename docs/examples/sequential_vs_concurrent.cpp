// sequential_vs_concurrent.cpp - the same two downloads, one after the other and at once.
//
// What it teaches: waiting does not need a CPU, so waits can overlap. Done one after the
// other, the lesson's two downloads (randint(1, 10) seconds each) take the sum of their
// times; done concurrently, about as long as the longer one - with threads, or with
// coroutines on a single thread. The lesson draws new times on every run, so each of its
// runs prints another total; here the seed fixes the times, and all three runs download the
// same two files, so their totals can be compared.
//
// Usage: example_sequential_vs_concurrent [time-scale]   (1.0: the lesson's real seconds)
#include <tasklab/tasklab.hpp>

#include <fmt/core.h>

#include <cstdlib>
#include <exception>

namespace {

int run(double time_scale) {
    tasklab::scenario_settings settings;
    settings.tasks = 2;
    settings.time_scale = time_scale;
    const auto downloads = tasklab::make_scenario(tasklab::download_task{}, settings);

    const auto sequential = tasklab::sequential_backend{}.run(downloads);
    // Each download returns the simulated milliseconds it asked for: their real sum is the
    // least a run that does one after the other can take.
    double sum_s = 0;
    for (const auto& r : sequential.records) {
        fmt::print("  download {} takes {:.3f} simulated s\n", r.index, static_cast<double>(r.value) / 1000.0);
        sum_s += static_cast<double>(r.value) / 1000.0 * time_scale;
    }
    fmt::print("The downloads add up to {:.3f} s at this time scale.\n", sum_s);
    const double sequential_s = tasklab::measure(sequential).wall_s;
    fmt::print("  {:<10}: {:.3f} s\n", "sequential", sequential_s);
    bool ok = tasklab::measure(sequential).tasks_ok == 2 && sequential_s >= 0.99 * sum_s;
    if (!ok) fmt::print("FAILED: one after the other, the run should last at least the sum of the downloads\n");

    for (const char* name : {"thread", "coroutine"}) {
        const auto backend = tasklab::make_backend(name);
        const auto m = tasklab::measure(backend->run(downloads));
        fmt::print("  {:<10}: {:.3f} s, {} downloads in flight at once\n", backend->name(), m.wall_s,
                   m.max_in_flight);
        // A structural claim with room for a busy machine: overlapped waits end well before their sum.
        if (m.tasks_ok != 2 || m.wall_s >= 0.8 * sum_s) {
            fmt::print("FAILED: on {} the downloads should overlap and end well before {:.3f} s\n", backend->name(),
                       sum_s);
            ok = false;
        }
    }
    if (!ok) return 1;
    fmt::print("One after the other the times add up; at the same time the run lasts about the longest.\n");
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
