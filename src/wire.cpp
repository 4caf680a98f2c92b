#include "wire.hpp"

#include <algorithm>
#include <cstring>

namespace tasklab::wire {
namespace {

// Little-endian: u32 payload length, then magic u32, status u8, flags u8 (bit 0: waits
// truncated), value i64, start i64, end i64, worker i64, cpu i64, error length u32, error
// bytes, wait-span count u32, and per span start i64, end i64, kind u8.
constexpr std::uint8_t flag_waits_truncated = 1;

template <class T>
void put(std::byte*& at, T v) noexcept {
    using U = std::make_unsigned_t<T>;
    auto u = static_cast<U>(v);
    for (std::size_t i = 0; i < sizeof(T); ++i) *at++ = static_cast<std::byte>((u >> (8 * i)) & 0xff);
}

template <class T>
T get(std::span<const std::byte>& in) {
    using U = std::make_unsigned_t<T>;
    U u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) u |= static_cast<U>(std::to_integer<U>(in[i]) << (8 * i));
    in = in.subspan(sizeof(T));
    return static_cast<T>(u);
}

}  // namespace

std::size_t encode_into(const task_record& record, std::span<std::byte> out) noexcept {
    const std::size_t error_len = std::min(record.error.size(), max_error_bytes);
    const std::size_t spans = std::min(record.waits.size(), max_wait_spans);
    const std::size_t size = header_bytes + fixed_payload_bytes + error_len + spans * span_bytes;
    if (size > out.size()) return size;
    std::byte* at = out.data();
    put<std::uint32_t>(at, static_cast<std::uint32_t>(size - header_bytes));
    put<std::uint32_t>(at, magic);
    put<std::uint8_t>(at, static_cast<std::uint8_t>(record.status));
    const bool truncated = record.waits_truncated || spans < record.waits.size();
    put<std::uint8_t>(at, truncated ? flag_waits_truncated : 0);
    put<std::int64_t>(at, record.value);
    put<std::int64_t>(at, record.start_ns);
    put<std::int64_t>(at, record.end_ns);
    put<std::int64_t>(at, record.worker);
    put<std::int64_t>(at, record.cpu_ns);
    put<std::uint32_t>(at, static_cast<std::uint32_t>(error_len));
    if (error_len > 0) std::memcpy(at, record.error.data(), error_len);
    at += error_len;
    put<std::uint32_t>(at, static_cast<std::uint32_t>(spans));
    for (std::size_t i = 0; i < spans; ++i) {
        put<std::int64_t>(at, record.waits[i].start_ns);
        put<std::int64_t>(at, record.waits[i].end_ns);
        put<std::uint8_t>(at, static_cast<std::uint8_t>(record.waits[i].kind));
    }
    return size;
}

std::vector<std::byte> encode(const task_record& record) {
    std::vector<std::byte> out(encode_into(record, {}));
    encode_into(record, out);
    return out;
}

std::optional<task_record> decode(std::span<const std::byte> frame) {
    if (frame.size() < header_bytes + fixed_payload_bytes) return std::nullopt;
    const auto length = get<std::uint32_t>(frame);
    if (length != frame.size() || length + header_bytes > max_frame_bytes) return std::nullopt;
    if (get<std::uint32_t>(frame) != magic) return std::nullopt;
    const auto status = get<std::uint8_t>(frame);
    if (status > static_cast<std::uint8_t>(task_status::cancelled)) return std::nullopt;
    const auto flags = get<std::uint8_t>(frame);
    if (flags & ~flag_waits_truncated) return std::nullopt;
    task_record r;
    r.status = static_cast<task_status>(status);
    r.waits_truncated = flags & flag_waits_truncated;
    r.value = get<std::int64_t>(frame);
    r.start_ns = get<std::int64_t>(frame);
    r.end_ns = get<std::int64_t>(frame);
    r.worker = get<std::int64_t>(frame);
    r.cpu_ns = get<std::int64_t>(frame);
    const auto error_len = get<std::uint32_t>(frame);
    // What must still follow: the error, the span count, the spans.
    if (error_len > max_error_bytes || frame.size() < error_len + 4u) return std::nullopt;
    r.error.assign(reinterpret_cast<const char*>(frame.data()), error_len);
    frame = frame.subspan(error_len);
    const auto spans = get<std::uint32_t>(frame);
    if (spans > max_wait_spans || frame.size() != std::size_t{spans} * span_bytes) return std::nullopt;
    if (r.end_ns < r.start_ns || r.cpu_ns < -1) return std::nullopt;
    r.waits.reserve(spans);
    for (std::uint32_t i = 0; i < spans; ++i) {
        wait_span w;
        w.start_ns = get<std::int64_t>(frame);
        w.end_ns = get<std::int64_t>(frame);
        const auto kind = get<std::uint8_t>(frame);
        if (kind > static_cast<std::uint8_t>(last_wait_kind) || w.end_ns < w.start_ns) return std::nullopt;
        w.kind = static_cast<wait_kind>(kind);
        r.waits.push_back(w);
    }
    r.started = true;
    return r;
}

}  // namespace tasklab::wire
