// account_lock.cpp - 100 deposits of 1 into one account, without and with a lock.
//
// What it teaches: a deposit is three steps - read the balance, wait a moment, write back
// what was read plus the amount. If another task reads in between, one of the two updates is
// lost. This does not need two threads: on a single-threaded event loop every task reads,
// then suspends during its wait, and only then writes - so nearly every deposit is lost, and
// the same way every run. A lock around the three steps makes the account exact again.
//
// Usage: example_account_lock [time-scale]   (1.0: the lesson's real 0.01 s hold)
#include <tasklab/tasklab.hpp>

#include <fmt/core.h>

#include <cstdlib>
#include <exception>
#include <string>

namespace {

// Runs 100 deposits with the given --sync on a backend and returns the final balance.
std::int64_t deposit_100(tasklab::backend&& backend, const std::string& sync, double time_scale) {
    tasklab::scenario_settings settings;
    settings.tasks = 100;
    settings.time_scale = time_scale;
    const auto s = tasklab::make_scenario(tasklab::deposit_task{}, settings, {{"amount", "1"}, {"sync", sync}});
    const auto report = backend.run(s);
    const auto& account = *report.result.shared;
    fmt::print("  {:<9} backend, sync {:<4}: balance {:>3} of {} expected{}\n", backend.name(), sync, account.actual,
               account.expected, account.note.empty() ? "" : " (" + account.note + ")");
    return account.actual;
}

int run(double time_scale) {
    fmt::print("100 tasks each deposit 1 into the same account, which starts at 0.\n");
    const auto loop_unlocked = deposit_100(tasklab::coroutine_backend{}, "none", time_scale);
    const auto loop_locked = deposit_100(tasklab::coroutine_backend{}, "lock", time_scale);
    const auto threads_locked = deposit_100(tasklab::thread_backend{}, "lock", time_scale);
    // The lesson's own case. How many are lost depends on how the OS schedules the threads,
    // so it is shown, not checked.
    deposit_100(tasklab::thread_backend{}, "none", time_scale);

    // On one event loop the tasks all read 0 before any of them writes: losses are certain.
    if (loop_unlocked >= 100) {
        fmt::print("FAILED: without a lock the coroutines should have lost deposits, balance is {}\n", loop_unlocked);
        return 1;
    }
    if (loop_locked != 100 || threads_locked != 100) {
        fmt::print("FAILED: with a lock every deposit must count: coroutine {}, thread {}\n", loop_locked,
                   threads_locked);
        return 1;
    }
    fmt::print("Without a lock {} of 100 deposits were lost even on one thread; with a lock none were.\n",
               100 - loop_unlocked);
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
