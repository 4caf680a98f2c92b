#pragma once
// How a figure reads wherever tasklab writes one: in a task's error, in a table, in the demo.
#include <string>

namespace tasklab {

/// "6.776 s", "812 ms", "45.1 µs"; "-" for a negative (unknown) duration.
std::string duration_text(double seconds);
/// "5.2 MiB"; "-" for a negative (unknown) size.
std::string mib_text(double mib);
/// "512 B", "3.42 KiB", "5.2 MiB", "1.50 GiB"; "-" for a negative (unknown) size.
std::string bytes_text(double bytes);

}  // namespace tasklab
