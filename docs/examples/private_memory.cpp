// private_memory.cpp - 100 child processes deposit into "the same" account.
//
// What it teaches: a child process starts with a copy of its parent's memory, not with the
// parent's memory itself - the lesson's processes each count in a counter of their own. If
// each child deposits into its copy, every child sees its own deposit, and the parent - whose
// account nobody touched - still has 0. No lock is needed for that: nobody shares anything,
// so there is nothing to race for (a lock in a private copy would lock only that copy). To
// work on one account, processes need memory mapped as shared, and, since they then really
// do share it, a lock that works across processes. The fork backend does both on request.
//
// Usage: example_private_memory [time-scale]   (1.0: the lesson's real 0.01 s hold)
#include <tasklab/tasklab.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <exception>

namespace {

tasklab::run_report deposit_100(tasklab::sharing memory, const char* sync, double time_scale) {
    tasklab::scenario_settings settings;
    settings.tasks = 100;
    settings.time_scale = time_scale;
    settings.memory = memory;
    const auto s = tasklab::make_scenario(tasklab::deposit_task{}, settings, {{"amount", "1"}, {"sync", sync}});
    return tasklab::fork_backend{}.run(s);
}

int run(double time_scale) {
    fmt::print("100 child processes each deposit 1 into an account that starts at 0.\n");
    const auto copies = deposit_100(tasklab::sharing::private_copy, "none", time_scale);
    const auto shared = deposit_100(tasklab::sharing::shared, "lock", time_scale);

    // A deposit task returns the balance it wrote: with private copies that is always 1.
    const bool each_saw_own = std::all_of(copies.records.begin(), copies.records.end(), [](const auto& r) {
        return r.status == tasklab::task_status::ok && r.value == 1;
    });
    const auto parent_private = copies.result.shared->actual;
    const auto parent_shared = shared.result.shared->actual;
    fmt::print("  private copies, no lock: the parent's balance is {}; every child saw 1 after its deposit: {}\n",
               parent_private, each_saw_own ? "yes" : "no");
    fmt::print("  shared memory, a lock:   the parent's balance is {} ({})\n", parent_shared, shared.result.check);

    if (parent_private != 0 || !each_saw_own) {
        fmt::print("FAILED: with private copies the parent should keep 0 and each child see only its own deposit\n");
        return 1;
    }
    if (parent_shared != 100 || !shared.result.check_passed) {
        fmt::print("FAILED: in shared memory with a lock all 100 deposits should arrive, got {}\n", parent_shared);
        return 1;
    }
    fmt::print("Separate processes change separate copies; shared memory and a lock make it one account.\n");
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
