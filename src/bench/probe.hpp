#pragma once
// The tasklab side of every ratio: the bench's tasks run through the public API, exactly as a
// user's would - make_backend(name)->run(scenario, options) - and measured like the raw side.
#include <string_view>

#include "bench/measure.hpp"
#include "bench/work.hpp"

namespace tasklab::bench {

/// Runs `spec` on the named backend once: wall time around backend::run (records, metering,
/// heartbeat and all), memory as the raw side measures it (fork: the children's mean peak,
/// from the run report's wait4 figures). Throws usage_error if the backend refuses it.
sample run_tasklab(std::string_view backend, const work_spec& spec);

}  // namespace tasklab::bench
