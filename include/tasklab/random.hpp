#pragma once
// Reproducible randomness for task types: a number per (seed, task index), the same on every
// platform, in every process and whatever the number of tasks.
#include <cstddef>
#include <cstdint>

namespace tasklab {

/// splitmix64 of (seed, index), as a double in [0, 1).
double seeded_unit(std::uint64_t seed, std::size_t index) noexcept;

}  // namespace tasklab
