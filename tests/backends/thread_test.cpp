// The thread backend: a thread per task, that costs no file descriptor.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include "backends/matrix.hpp"
#include "support.hpp"

using namespace tasklab;
using tasklab::test::make;
using tasklab::test::run;

TASKLAB_BACKEND_TESTS(thread_backend, "thread")

TEST_CASE("thread backend: thousands of waiting thread tasks fit under a soft limit of 1024 descriptors", "[thread]") {
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
