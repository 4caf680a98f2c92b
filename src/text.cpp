#include "tasklab/text.hpp"

#include <fmt/format.h>

namespace tasklab {

std::string duration_text(double s) {
    if (s < 0) return "-";
    if (s >= 1) return fmt::format("{:.3f} s", s);
    if (s >= 1e-3) return fmt::format("{:.3g} ms", s * 1e3);
    return fmt::format("{:.3g} µs", s * 1e6);
}

std::string mib_text(double value) { return value < 0 ? "-" : fmt::format("{:.1f} MiB", value); }

std::string bytes_text(double bytes) {
    if (bytes < 0) return "-";
    if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
    if (bytes < 1024.0 * 1024) return fmt::format("{:.2f} KiB", bytes / 1024);
    if (bytes < 1024.0 * 1024 * 1024) return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
    return fmt::format("{:.2f} GiB", bytes / (1024.0 * 1024 * 1024));
}

}  // namespace tasklab
