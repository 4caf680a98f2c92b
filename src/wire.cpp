#include "wire.hpp"

#include <algorithm>
#include <cstring>

namespace tasklab::wire {
namespace {

// Fixed little-endian layout after the length: magic u32, status u8, value i64,
// start i64, end i64, worker i64, error length u32, error bytes.
constexpr std::size_t fixed_payload = 4 + 1 + 8 * 4 + 4;

template <class T>
void put(std::vector<std::byte>& out, T v) {
    using U = std::make_unsigned_t<T>;
    auto u = static_cast<U>(v);
    for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<std::byte>((u >> (8 * i)) & 0xff));
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

std::vector<std::byte> encode(const task_record& record) {
    const std::size_t error_len = std::min(record.error.size(), max_error_bytes);
    std::vector<std::byte> out;
    out.reserve(header_bytes + fixed_payload + error_len);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(fixed_payload + error_len));
    put<std::uint32_t>(out, magic);
    put<std::uint8_t>(out, static_cast<std::uint8_t>(record.status));
    put<std::int64_t>(out, record.value);
    put<std::int64_t>(out, record.start_ns);
    put<std::int64_t>(out, record.end_ns);
    put<std::int64_t>(out, record.worker);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(error_len));
    const auto* bytes = reinterpret_cast<const std::byte*>(record.error.data());
    out.insert(out.end(), bytes, bytes + error_len);
    return out;
}

std::optional<task_record> decode(std::span<const std::byte> frame) {
    if (frame.size() < header_bytes + fixed_payload) return std::nullopt;
    const auto length = get<std::uint32_t>(frame);
    if (length != frame.size() || length < fixed_payload || length > fixed_payload + max_error_bytes)
        return std::nullopt;
    if (get<std::uint32_t>(frame) != magic) return std::nullopt;
    const auto status = get<std::uint8_t>(frame);
    if (status > static_cast<std::uint8_t>(task_status::cancelled)) return std::nullopt;
    task_record r;
    r.status = static_cast<task_status>(status);
    r.value = get<std::int64_t>(frame);
    r.start_ns = get<std::int64_t>(frame);
    r.end_ns = get<std::int64_t>(frame);
    r.worker = get<std::int64_t>(frame);
    const auto error_len = get<std::uint32_t>(frame);
    if (error_len != frame.size() || r.end_ns < r.start_ns) return std::nullopt;
    r.error.assign(reinterpret_cast<const char*>(frame.data()), frame.size());
    r.started = true;
    return r;
}

}  // namespace tasklab::wire
