// Must not compile: `co_await ctx.lock(m);` would take a lock as a guard that is dropped at
// once, and so lock nothing. The test that builds this file expects the build to fail with
// context::lock's own message (tests/CMakeLists.txt).
#include <tasklab/tasklab.hpp>

struct discards_the_guard final : tasklab::workload_with_shared<tasklab::mutex> {
    tasklab::awaitable<tasklab::task_result> run(tasklab::context& ctx) const override {
        co_await ctx.lock(ctx.shared<tasklab::mutex>());
        co_return tasklab::task_result{};
    }
};
