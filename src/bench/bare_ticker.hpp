#pragma once
// A thread that wakes once per heartbeat period and does nothing else: tasklab's heartbeat
// without tasklab, to run beside a raw baseline. Internal to `tasklab bench`.
#include <stop_token>
#include <thread>

#include "tasklab/clock.hpp"
#include "tasklab/heartbeat.hpp"

namespace tasklab::bench {

class bare_ticker {
public:
    bare_ticker()
        : thread_([](std::stop_token stop) {
              std::int64_t due = monotonic_ns() + heartbeat_period_ns;
              while (!stop.stop_requested()) {
                  sleep_until_ns(due);
                  // As the heartbeat does: a late wake-up moves the next to the period after
                  // it, rather than catching up with a burst.
                  due = heartbeat_recorder::due_after(due, monotonic_ns());
              }
          }) {}

private:
    std::jthread thread_;  // stopped and joined when the ticker goes: within one period
};

}  // namespace tasklab::bench
