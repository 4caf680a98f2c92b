// A backend of the project's own: one task after another, like sequential, but a wait spins
// on the clock instead of sleeping - the CPU stays busy while nothing happens. Run downloads on
// it next to sequential and the report shows the difference: the same wall time, a core kept
// busy (parallelism about 1 instead of about 0).
#pragma once
#include <tasklab/tasklab.hpp>

// The driver: how a task waits on this backend. Everything else - yields, locks, the CPU
// clock - is the blocking driver's, since each task has the thread to itself.
class spinning_driver final : public tasklab::blocking_driver {
public:
    tasklab::awaitable<void> wait_until(tasklab::context& ctx, std::int64_t until_ns) override {
        while (tasklab::monotonic_ns() < until_ns && !ctx.stop_requested()) {
            // nothing: this is the point
        }
        co_return;
    }
};

// The backend: its driver plus execute().
class busy_wait_backend final : public tasklab::backend {
public:
    std::string_view name() const noexcept override { return "busy-wait"; }
    std::string_view summary() const noexcept override { return "one task after another; waits spin on the clock"; }
    std::size_t concurrency_limit() const noexcept override { return 1; }

protected:
    // execute() owns the run: here one task after another on this thread, each waiting through
    // the spinning driver (the thread and fork backends show other shapes: a thread per task,
    // a child per task).
    void execute(tasklab::run_state& run) const override {
        const tasklab::heartbeat_thread heartbeat(run);  // ticks, reports progress, notices a stop
        spinning_driver driver;
        tasklab::run_one_after_another(run, driver);
    }
};
