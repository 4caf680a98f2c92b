// The blocking driver under a task's context (sequential, thread, a fork child), driven by
// hand: a run_state, a context and run_task, with no backend around them.
#include <catch2/catch.hpp>

#include <asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <stop_token>
#include <thread>
#include <vector>

#include "support.hpp"

using namespace tasklab;

TEST_CASE("driver: a stop request ends a blocking wait and cancels the task", "[driver]") {
    // The task would wait an hour; only an interruptible wait lets this test finish.
    struct long_wait final : workload {
        std::atomic<bool>* waiting;
        explicit long_wait(std::atomic<bool>* w) : waiting(w) {}
        awaitable<task_result> run(context& ctx) const override {
            waiting->store(true);
            co_await ctx.sleep_for(sim_seconds{3600});
            co_return task_result{1};
        }
    };
    std::atomic<bool> waiting{false};
    scenario s;
    s.work = std::make_shared<long_wait>(&waiting);
    std::vector<task_record> records(1);
    const run_options options;
    run_state run(s, nullptr, records, monotonic_ns(), options);
    std::stop_source stop;
    std::jthread runner([&] {
        asio::io_context io(1);
        blocking_driver driver;
        context ctx(run, 0, driver, stop.get_token());
        run_task(io, ctx);
    });
    while (!waiting.load()) std::this_thread::yield();
    stop.request_stop();
    runner.join();
    CHECK(records[0].status == task_status::cancelled);
    CHECK(run.all_done());
}
