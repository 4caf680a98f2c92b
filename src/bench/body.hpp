#pragma once
// The task bodies of the raw baselines that block their thread or process (loop, threads,
// forks): what tasklab's blocking context does for the same body, without tasklab.
#include <chrono>
#include <thread>

#include "bench/work.hpp"
#include "tasklab/tasks/compute.hpp"

namespace tasklab::bench {

[[gnu::noinline]] inline std::int64_t blocking_body(const work_spec& spec, std::size_t index) {
    switch (spec.kind) {
        case work::empty: break;
        case work::sleep: std::this_thread::sleep_for(std::chrono::nanoseconds(spec.wait_ns)); break;
        case work::yields:
            for (std::size_t k = 0; k < spec.yields; ++k) std::this_thread::yield();
            break;
        case work::compute: {
            const auto part = part_of(spec.compute_n, spec.tasks, index);
            return add_one_by_one(part.first, part.last);
        }
    }
    return 1;
}

}  // namespace tasklab::bench
