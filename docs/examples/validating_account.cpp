// validating_account.cpp - an account whose setter refuses bad values.
//
// What it teaches: the lesson's property setter checks a value before storing it and raises
// an error otherwise. Here the account's set_balance() throws for a negative balance. A task
// that tries it fails on its own - its record carries the setter's message - and the other
// tasks carry on. Bad input can also be refused before anything runs: the built-in deposit
// task rejects an amount of 0 or less with tasklab::usage_error when the scenario is made.
//
// Usage: example_validating_account [time-scale]   (1.0: real seconds)
#include <tasklab/tasklab.hpp>

#include <fmt/core.h>

#include <atomic>
#include <cstdlib>
#include <exception>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

// Lives in the run's shared state, so: plain data, atomics and a tasklab::mutex only.
class checked_account {
public:
    std::int64_t balance() const { return balance_.load(); }
    void set_balance(std::int64_t value) {
        if (value < 0) throw std::invalid_argument(fmt::format("the balance cannot be negative (tried {})", value));
        balance_.store(value);
    }
    tasklab::mutex lock;

private:
    std::atomic<std::int64_t> balance_{0};
};

// Task i adds changes[i] to the balance; a negative change is a withdrawal.
class account_changes final : public tasklab::workload_with_shared<checked_account> {
public:
    explicit account_changes(std::vector<std::int64_t> changes) : changes_(std::move(changes)) {}

    tasklab::awaitable<tasklab::task_result> run(tasklab::context& ctx) const override {
        auto& account = ctx.shared<checked_account>();
        co_return co_await ctx.locked(account.lock, [&](tasklab::held_lock&) -> tasklab::awaitable<tasklab::task_result> {
            const std::int64_t before = account.balance();
            co_await ctx.sleep_for(tasklab::sim_seconds{0.01});  // the lesson's pause inside a deposit
            account.set_balance(before + changes_[ctx.index()]);  // may throw: then this task fails
            co_return tasklab::task_result{account.balance()};
        });
    }

    // The balance must hold exactly the changes of the tasks that succeeded.
    tasklab::outcome conclude(std::span<const tasklab::task_record> records, const void* shared) const override {
        tasklab::shared_outcome s;
        for (const auto& r : records)
            if (r.status == tasklab::task_status::ok) s.expected += changes_[r.index];
        s.actual = static_cast<const checked_account*>(shared)->balance();
        tasklab::outcome o;
        o.value = s.actual;
        o.check_passed = s.lost() == 0;
        o.shared = s;
        return o;
    }

private:
    std::vector<std::int64_t> changes_;
};

class account_task final : public tasklab::task_type {
public:
    std::string_view name() const override { return "checked-account"; }
    std::string_view summary() const override { return "deposits and one withdrawal too many"; }
    std::unique_ptr<const tasklab::workload> make(const tasklab::scenario_settings&) const override {
        // Whatever the order, 30 + 20 + 50 can never cover a withdrawal of 500.
        return std::make_unique<account_changes>(std::vector<std::int64_t>{30, 20, -500, 50});
    }
};

int run(double time_scale) {
    tasklab::scenario_settings settings;
    settings.tasks = 4;
    settings.time_scale = time_scale;
    const auto report = tasklab::thread_backend{}.run(tasklab::make_scenario(account_task{}, settings));
    for (const auto& r : report.records)
        fmt::print("  task {}: {}{}\n", r.index, tasklab::to_string(r.status), r.error.empty() ? "" : ": " + r.error);
    fmt::print("Final balance: {}\n", *report.result.value);

    const auto& bad = report.records[2];
    if (bad.status != tasklab::task_status::failed || bad.error.find("cannot be negative") == std::string::npos) {
        fmt::print("FAILED: the withdrawal of 500 should have failed with the setter's message\n");
        return 1;
    }
    if (tasklab::measure(report).tasks_ok != 3 || report.result.value != 100 || !report.result.check_passed) {
        fmt::print("FAILED: the other three tasks should have succeeded and left a balance of 100\n");
        return 1;
    }

    // Bad parameters never reach a backend: make_scenario refuses them.
    for (const char* amount : {"-5", "0"}) {
        try {
            tasklab::make_scenario(tasklab::deposit_task{}, settings, {{"amount", amount}});
            fmt::print("FAILED: a deposit of {} was accepted\n", amount);
            return 1;
        } catch (const tasklab::usage_error& e) {
            fmt::print("Refused before running: {}\n", e.what());
        }
    }
    fmt::print("The bad withdrawal failed alone with a clear message; bad amounts never ran at all.\n");
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
