#pragma once
// What crosses a fork child's pipe: one length-prefixed frame holding a task record.
// The parent never trusts it: decode() rejects anything malformed.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tasklab/report.hpp"

namespace tasklab::wire {

inline constexpr std::uint32_t magic = 0x544c5232;       // "TLR2"
inline constexpr std::size_t max_error_bytes = 4096;      // longer messages are cut
inline constexpr std::size_t header_bytes = 4;            // u32 payload length, little-endian
inline constexpr std::size_t span_bytes = 8 + 8 + 1;
/// Fixed part of the payload: magic, status, flags, value, start, end, worker, cpu, error
/// length, and the wait-span count.
inline constexpr std::size_t fixed_payload_bytes = 4 + 1 + 1 + 8 * 5 + 4 + 4;
inline constexpr std::size_t max_frame_bytes =
    header_bytes + fixed_payload_bytes + max_error_bytes + max_wait_spans * span_bytes;

/// The frame for a record (its index is the parent's to know, so it is not sent).
std::vector<std::byte> encode(const task_record& record);
/// The same frame written into `out` if it fits, with no allocation (nothing is written if it
/// does not); returns the frame's size either way.
std::size_t encode_into(const task_record& record, std::span<std::byte> out) noexcept;

/// The record in a complete frame, or nullopt if the bytes are not exactly one valid frame.
std::optional<task_record> decode(std::span<const std::byte> frame);

}  // namespace tasklab::wire
