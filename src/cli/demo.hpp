#pragma once
// `tasklab demo`: the lesson's tour, each chapter's conclusion drawn from its measurements.
#include <cstddef>
#include <ostream>

#include "tasklab/registry.hpp"

namespace tasklab::cli {

struct demo_options {
    bool colour = false;
    std::size_t width = 100;  // terminal columns, for the timeline
    bool quiet = false;       // no progress line
};

/// Returns an exit code (0, or 1 when a chapter's runs failed).
int run_demo(const registry& registry, const demo_options& options, std::ostream& out);

}  // namespace tasklab::cli
