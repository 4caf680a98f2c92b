// The monotonic clock and a thread's CPU clock.
#include <catch2/catch.hpp>

#include <cstdint>

#include "tasklab/clock.hpp"

using namespace tasklab;

TEST_CASE("clock: a sleep ends at its deadline, and a thread's CPU clock moves with its work", "[clock]") {
    const auto until = monotonic_ns() + 2'000'000;
    sleep_until_ns(until);
    CHECK(monotonic_ns() >= until);
    const auto cpu_before = thread_cpu_ns();
    volatile std::uint64_t spin = 0;
    for (int i = 0; i < 1'000'000; ++i) spin = spin + static_cast<std::uint64_t>(i);
    CHECK(thread_cpu_ns() > cpu_before);
}
