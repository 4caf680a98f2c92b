#pragma once
// A thread that wakes once per heartbeat period and does nothing else: tasklab's heartbeat
// without tasklab, to run beside a raw baseline. Internal to `tasklab bench`.
#include <time.h>

#include <stop_token>
#include <thread>

#include "tasklab/clock.hpp"
#include "tasklab/heartbeat.hpp"

namespace tasklab::bench {

class bare_ticker {
public:
    bare_ticker()
        : thread_([](std::stop_token stop) {
              std::int64_t due = monotonic_ns();
              while (!stop.stop_requested()) {
                  due += heartbeat_period_ns;
                  const timespec at{static_cast<time_t>(due / 1'000'000'000), static_cast<long>(due % 1'000'000'000)};
                  ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
              }
          }) {}

private:
    std::jthread thread_;  // stopped and joined when the ticker goes: within one period
};

}  // namespace tasklab::bench
