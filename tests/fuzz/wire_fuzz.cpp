// libFuzzer target for the fork backend's result wire format (src/wire.hpp).
// Build and run: tests/fuzz/run.sh SECONDS (or `make fuzz`).
//
// Every input is used twice:
//  1. as a frame: decode() must not crash, read out of bounds or allocate absurdly
//     (ASan + UBSan + -malloc_limit_mb). If it accepts the bytes, the record obeys the
//     rules decode() enforces, and encode() gives back exactly the input: the format is
//     canonical, every accepted frame is the encoding of its record.
//  2. as the recipe for a task_record (any status byte, times, CPU time, an error text of
//     0 .. 3 x max_error_bytes, 0 .. max_wait_spans + 64 spans, optionally with one bad
//     one): encode, decode, and compare with the documented cuts - the error text to
//     max_error_bytes, the spans to max_wait_spans (setting waits_truncated).
// For each valid frame, prefix-truncated and one-byte-extended frames are also rejected,
// both as they are and with the length prefix patched to agree with the new size.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "wire.hpp"

using namespace tasklab;

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            std::fprintf(stderr, "wire_fuzz: check failed: %s (%s:%d)\n", #cond, __FILE__, \
                         __LINE__);                                                        \
            __builtin_trap();                                                              \
        }                                                                                  \
    } while (0)

namespace {

constexpr auto last_status = static_cast<std::uint8_t>(task_status::cancelled);
constexpr auto last_kind = static_cast<std::uint8_t>(last_wait_kind);

std::uint32_t load_u32(const std::byte* p) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::to_integer<std::uint32_t>(p[i]) << (8 * i);
    return v;
}

void store_u32(std::byte* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xff);
}

bool same_bytes(std::span<const std::byte> a, std::span<const std::byte> b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

std::size_t frame_size(std::size_t error_len, std::size_t spans) {
    return wire::header_bytes + wire::fixed_payload_bytes + error_len + spans * wire::span_bytes;
}

/// What decode() promises about a record it accepted from `frame`.
void check_plausible(const task_record& r, std::span<const std::byte> frame) {
    FUZZ_CHECK(static_cast<std::uint8_t>(r.status) <= last_status);
    FUZZ_CHECK(r.start_ns <= r.end_ns);
    FUZZ_CHECK(r.cpu_ns >= -1);
    FUZZ_CHECK(r.error.size() <= wire::max_error_bytes);
    FUZZ_CHECK(r.waits.size() <= max_wait_spans);
    for (const auto& w : r.waits) {
        FUZZ_CHECK(static_cast<std::uint8_t>(w.kind) <= last_kind);
        FUZZ_CHECK(w.start_ns <= w.end_ns);
    }
    FUZZ_CHECK(r.started);     // a child that sent a record has run its task
    FUZZ_CHECK(r.index == 0);  // not on the wire: the parent fills it in
    FUZZ_CHECK(frame.size() == frame_size(r.error.size(), r.waits.size()));
    FUZZ_CHECK(frame.size() <= wire::max_frame_bytes);
    FUZZ_CHECK(load_u32(frame.data()) == frame.size() - wire::header_bytes);
}

/// `frame` is valid: no prefix of it and no one-byte extension of it is, whether the
/// length prefix is left alone or patched to match the new size.
void check_neighbours_rejected(std::span<const std::byte> frame) {
    const std::size_t n = frame.size();
    std::vector<std::byte> buf(frame.begin(), frame.end());
    buf.push_back(std::byte{0});
    const auto check_cut = [&](std::size_t cut) {
        if (cut >= n) return;
        std::span<const std::byte> prefix(buf.data(), cut);
        FUZZ_CHECK(!wire::decode(prefix));
        if (cut >= wire::header_bytes) {
            store_u32(buf.data(), static_cast<std::uint32_t>(cut - wire::header_bytes));
            FUZZ_CHECK(!wire::decode(prefix));
            store_u32(buf.data(), static_cast<std::uint32_t>(n - wire::header_bytes));
        }
    };
    // Decoding a patched prefix may copy up to max_error_bytes: every cut of a small frame;
    // of a large one the ends, the edges of the error text and an even spread.
    if (n <= 1024) {
        for (std::size_t cut = 0; cut < n; ++cut) check_cut(cut);
    } else {
        for (std::size_t cut = 0; cut < 128; ++cut) check_cut(cut);
        for (std::size_t cut = n - 128; cut < n; ++cut) check_cut(cut);
        for (std::size_t k = 1; k < 64; ++k) check_cut(n * k / 64);
        constexpr std::size_t error_len_at = wire::header_bytes + wire::fixed_payload_bytes - 8;
        const std::size_t error_end = error_len_at + 4 + load_u32(frame.data() + error_len_at);
        for (std::size_t d = 0; d < 6; ++d) check_cut(error_end + d - 1);
    }
    for (const auto extra : {std::byte{0x00}, std::byte{0xff}}) {
        buf[n] = extra;
        FUZZ_CHECK(!wire::decode(buf));
        store_u32(buf.data(), static_cast<std::uint32_t>(n + 1 - wire::header_bytes));
        FUZZ_CHECK(!wire::decode(buf));
        store_u32(buf.data(), static_cast<std::uint32_t>(n - wire::header_bytes));
    }
    FUZZ_CHECK(same_bytes(std::span(buf.data(), n), frame));
}

// Mode 1: the input is a frame.
void fuzz_decode(std::span<const std::byte> input) {
    const auto r = wire::decode(input);
    if (!r) return;
    check_plausible(*r, input);
    FUZZ_CHECK(same_bytes(wire::encode(*r), input));
    check_neighbours_rejected(input);
}

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/// A count: small, at the limit or either side of it, or anywhere up to `most`.
std::size_t pick_count(FuzzedDataProvider& in, std::size_t limit, std::size_t most) {
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
        case 0: return in.ConsumeIntegralInRange<std::size_t>(0, 16);
        case 1: return limit - 1;
        case 2: return limit;
        case 3: return limit + 1;
        default: return in.ConsumeIntegralInRange<std::size_t>(0, most);
    }
}

std::int64_t pick_cpu(FuzzedDataProvider& in) {
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
        case 0: return -1;
        case 1: return -2;
        case 2: return std::numeric_limits<std::int64_t>::min();
        default: return in.ConsumeIntegral<std::int64_t>();
    }
}

// Mode 2: the input is a recipe for a record.
void fuzz_round_trip(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    task_record r;
    r.index = in.ConsumeIntegral<std::uint32_t>();
    r.status = static_cast<task_status>(in.ConsumeIntegralInRange<std::uint8_t>(0, last_status + 2));
    r.value = in.ConsumeIntegral<std::int64_t>();
    r.start_ns = in.ConsumeIntegral<std::int64_t>();
    r.end_ns = in.ConsumeIntegral<std::int64_t>();
    if (in.ConsumeBool() && r.end_ns < r.start_ns) std::swap(r.start_ns, r.end_ns);
    r.worker = in.ConsumeIntegral<std::int64_t>();
    r.cpu_ns = pick_cpu(in);
    r.started = in.ConsumeBool();
    r.waits_truncated = in.ConsumeBool();

    const std::size_t error_len = pick_count(in, wire::max_error_bytes, 3 * wire::max_error_bytes);
    std::string pattern = in.ConsumeRandomLengthString(64);
    if (pattern.empty()) pattern = std::string(1, '\0');
    r.error.reserve(error_len);
    while (r.error.size() < error_len)
        r.error.append(pattern, 0, std::min(pattern.size(), error_len - r.error.size()));

    const std::size_t spans = pick_count(in, max_wait_spans, max_wait_spans + 64);
    // At most one bad span (end before start, or an unknown kind), maybe past the cut.
    const auto bad = in.ConsumeIntegralInRange<std::size_t>(0, 2 * (max_wait_spans + 64));
    const bool bad_kind = in.ConsumeBool();
    std::uint64_t rng = in.ConsumeIntegral<std::uint64_t>();
    r.waits.reserve(spans);
    for (std::size_t i = 0; i < spans; ++i) {
        wait_span w;
        w.start_ns = static_cast<std::int64_t>(splitmix64(rng));
        const auto len = static_cast<std::int64_t>(splitmix64(rng) % 1'000'000);
        w.end_ns = w.start_ns > std::numeric_limits<std::int64_t>::max() - len
                       ? std::numeric_limits<std::int64_t>::max()
                       : w.start_ns + len;
        w.kind = static_cast<wait_kind>(splitmix64(rng) % (last_kind + 1));
        if (i == bad) {
            if (bad_kind) {
                w.kind = static_cast<wait_kind>(last_kind + 1 + splitmix64(rng) % (255 - last_kind));
            } else {
                if (w.start_ns == std::numeric_limits<std::int64_t>::min()) w.start_ns = 0;
                w.end_ns = w.start_ns - 1;
            }
        }
        r.waits.push_back(w);
    }

    const std::size_t sent_error = std::min(error_len, wire::max_error_bytes);
    const std::size_t sent_spans = std::min(spans, max_wait_spans);
    const bool plausible = static_cast<std::uint8_t>(r.status) <= last_status &&
                           r.start_ns <= r.end_ns && r.cpu_ns >= -1 && bad >= sent_spans;

    const auto frame = wire::encode(r);
    FUZZ_CHECK(frame.size() == frame_size(sent_error, sent_spans));
    FUZZ_CHECK(frame.size() <= wire::max_frame_bytes);
    FUZZ_CHECK(load_u32(frame.data()) == frame.size() - wire::header_bytes);

    const auto back = wire::decode(frame);
    FUZZ_CHECK(back.has_value() == plausible);
    if (!back) return;
    check_plausible(*back, frame);
    FUZZ_CHECK(back->status == r.status);
    FUZZ_CHECK(back->value == r.value);
    FUZZ_CHECK(back->start_ns == r.start_ns);
    FUZZ_CHECK(back->end_ns == r.end_ns);
    FUZZ_CHECK(back->worker == r.worker);
    FUZZ_CHECK(back->cpu_ns == r.cpu_ns);
    FUZZ_CHECK(back->error.size() == sent_error);
    FUZZ_CHECK(back->error.compare(0, sent_error, r.error, 0, sent_error) == 0);
    FUZZ_CHECK(back->waits.size() == sent_spans);
    for (std::size_t i = 0; i < sent_spans; ++i) {
        FUZZ_CHECK(back->waits[i].start_ns == r.waits[i].start_ns);
        FUZZ_CHECK(back->waits[i].end_ns == r.waits[i].end_ns);
        FUZZ_CHECK(back->waits[i].kind == r.waits[i].kind);
    }
    FUZZ_CHECK(back->waits_truncated == (r.waits_truncated || spans > max_wait_spans));
    FUZZ_CHECK(same_bytes(wire::encode(*back), frame));
    check_neighbours_rejected(frame);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz_decode(std::as_bytes(std::span(data, size)));
    fuzz_round_trip(data, size);
    return 0;
}
