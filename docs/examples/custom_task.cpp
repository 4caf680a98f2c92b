// custom_task.cpp - your own kind of task, written once and run by two different backends.
//
// What it teaches: instead of handing a function to a thread, you can write a class for the
// work (the lesson subclasses Thread and overrides run()). Here the class derives from
// tasklab::task_type and its workload overrides run(): a coroutine that only waits through
// the context. That is why the very same code runs in threads and on an event loop.
//
// Usage: example_custom_task [time-scale]   (1.0: the lesson's real seconds)
#include <tasklab/tasklab.hpp>

#include <fmt/core.h>

#include <cmath>
#include <cstdlib>
#include <exception>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

// The files live in the workload, which every task reads but none changes (run is const).
class file_downloads final : public tasklab::workload {
public:
    explicit file_downloads(std::vector<std::string> files) : files_(std::move(files)) {}

    tasklab::awaitable<tasklab::task_result> run(tasklab::context& ctx) const override {
        const auto& file = files_[ctx.index()];
        // Same seed, same durations: on every backend the story is the same.
        const double seconds = tasklab::download_duration(ctx.identity().seed, ctx.index(), 1, 10);
        fmt::print("  start downloading {} ...\n", file);
        co_await ctx.sleep_for(tasklab::sim_seconds{seconds});
        fmt::print("  {} done after {:.3f} simulated s\n", file, seconds);
        co_return tasklab::task_result{std::llround(seconds * 1000.0)};
    }

private:
    std::vector<std::string> files_;
};

class download_files final : public tasklab::task_type {
public:
    explicit download_files(std::vector<std::string> files) : files_(std::move(files)) {}
    std::string_view name() const override { return "download-files"; }
    std::string_view summary() const override { return "download named files, one task per file"; }
    std::size_t default_tasks() const override { return files_.size(); }
    std::unique_ptr<const tasklab::workload> make(const tasklab::scenario_settings& settings) const override {
        if (settings.tasks != files_.size())
            throw tasklab::usage_error(fmt::format("{} files need {} tasks, not {}", files_.size(), files_.size(),
                                                   settings.tasks));
        return std::make_unique<file_downloads>(files_);
    }

private:
    std::vector<std::string> files_;
};

// Runs the downloads on one backend; returns how many different OS threads ran them, or -1.
int run_on(tasklab::backend& backend, const tasklab::scenario& s) {
    fmt::print("On the {} backend:\n", backend.name());
    const auto report = backend.run(s);
    const auto m = tasklab::measure(report);
    std::set<std::int64_t> threads;
    for (const auto& r : report.records) {
        if (r.status != tasklab::task_status::ok) {
            fmt::print("FAILED: task {} did not finish: {}\n", r.index, r.error);
            return -1;
        }
        threads.insert(r.worker);
    }
    fmt::print("  -> {} downloads on {} thread(s), {} in flight at once, {:.3f} s in total\n", report.records.size(),
               threads.size(), m.max_in_flight, m.wall_s);
    if (m.max_in_flight != report.records.size()) {
        fmt::print("FAILED: the downloads should all have been in flight together\n");
        return -1;
    }
    return static_cast<int>(threads.size());
}

int run(double time_scale) {
    const download_files type({"the-first-file.pdf", "the-second-file.mp4"});
    tasklab::scenario_settings settings;
    settings.tasks = type.default_tasks();
    settings.time_scale = time_scale;
    const auto s = tasklab::make_scenario(type, settings);

    tasklab::thread_backend threads;
    tasklab::coroutine_backend loop;
    const int on_threads = run_on(threads, s);
    if (on_threads < 0) return 1;
    const int on_loop = run_on(loop, s);
    if (on_loop < 0) return 1;
    // Same task code; the backend decides whether "at the same time" takes threads.
    if (on_threads != 2 || on_loop != 1) {
        fmt::print("FAILED: expected 2 threads on the thread backend and 1 on the coroutine one, got {} and {}\n",
                   on_threads, on_loop);
        return 1;
    }
    fmt::print("One task class, two backends: two threads overlapped, and so did two coroutines on one thread.\n");
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
