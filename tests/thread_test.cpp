// What only the thread backend does: a thread per task that costs no file descriptor.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <atomic>
#include <thread>

#include "support.hpp"

using namespace tasklab;
using tasklab::test::make;
using tasklab::test::run;

TEST_CASE("thread: thousands of waiting thread tasks fit under a soft limit of 1024 descriptors", "[thread]") {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    const std::size_t tasks = 1500;  // the sanitizers' per-thread cost; still above the fd limit
#else
    const std::size_t tasks = 5000;
#endif
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit tight = saved;
    tight.rlim_cur = 1024;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &tight) == 0);
    const auto fds_before = test::open_fds();

    // Every task waits until all have started, so they are all alive at once however slowly
    // threads get created (a sanitizer makes that slow).
    const auto s = make("gather", tasks, {}, 1.0);
    const auto r = run<thread_backend>(s);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &saved) == 0);

    const auto m = measure(r);
    CHECK(m.tasks_ok == tasks);
    CHECK(m.tasks_failed == 0);
    CHECK(m.max_in_flight == tasks);  // more tasks alive at once than descriptors allowed
    CHECK(test::open_fds() == fds_before);
}

TEST_CASE("thread: a stop request ends a blocking wait and cancels the task", "[thread]") {
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
