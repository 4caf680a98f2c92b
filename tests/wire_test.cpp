#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <limits>

#include "wire.hpp"

using namespace tasklab;

TEST_CASE("wire: a record survives the round trip", "[wire]") {
    task_record r;
    r.status = task_status::failed;
    r.value = std::numeric_limits<std::int64_t>::min();
    r.start_ns = 12;
    r.end_ns = 3456789;
    r.worker = 4242;
    r.error = "boom";
    const auto frame = wire::encode(r);
    const auto back = wire::decode(frame);
    REQUIRE(back);
    CHECK(back->status == r.status);
    CHECK(back->value == r.value);
    CHECK(back->start_ns == r.start_ns);
    CHECK(back->end_ns == r.end_ns);
    CHECK(back->worker == r.worker);
    CHECK(back->error == r.error);
    CHECK(back->started);
}

TEST_CASE("wire: encoding into a buffer gives the same frame, or only its size", "[wire]") {
    task_record r;
    r.status = task_status::ok;
    r.value = 7;
    r.error = "a short one";
    r.waits.push_back({1, 2, wait_kind::lock});
    const auto frame = wire::encode(r);
    std::array<std::byte, 512> room;
    room.fill(std::byte{0xAA});
    REQUIRE(wire::encode_into(r, room) == frame.size());
    CHECK(std::equal(frame.begin(), frame.end(), room.begin()));
    CHECK(room[frame.size()] == std::byte{0xAA});  // nothing past the frame

    std::array<std::byte, 16> tight;
    tight.fill(std::byte{0xAA});
    CHECK(wire::encode_into(r, tight) == frame.size());  // too small: the size it needs...
    CHECK(std::all_of(tight.begin(), tight.end(), [](std::byte b) { return b == std::byte{0xAA}; }));  // ...and nothing written
}

TEST_CASE("wire: long messages are cut, not lost", "[wire]") {
    task_record r;
    r.error.assign(10'000, 'x');
    const auto back = wire::decode(wire::encode(r));
    REQUIRE(back);
    CHECK(back->error.size() == wire::max_error_bytes);
}

TEST_CASE("wire: malformed frames are rejected", "[wire]") {
    task_record r;
    r.error = "abc";
    const auto good = wire::encode(r);
    REQUIRE(wire::decode(good));

    // Every truncation.
    for (std::size_t n = 0; n < good.size(); ++n)
        CHECK_FALSE(wire::decode(std::span(good.data(), n)));
    // Trailing garbage.
    auto longer = good;
    longer.push_back(std::byte{0});
    CHECK_FALSE(wire::decode(longer));
    // Bad magic, bad status, lying lengths, end before start.
    auto bad = good;
    bad[4] = std::byte{0};
    CHECK_FALSE(wire::decode(bad));
    bad = good;
    bad[8] = std::byte{9};
    CHECK_FALSE(wire::decode(bad));
    bad = good;
    bad[0] = std::byte{0xff};
    CHECK_FALSE(wire::decode(bad));
    bad = good;
    bad[4 + 4 + 1 + 1 + 8 * 5] = std::byte{0x10};  // the error length field lies
    CHECK_FALSE(wire::decode(bad));
    task_record backwards;
    backwards.start_ns = 10;
    backwards.end_ns = 5;
    CHECK_FALSE(wire::decode(wire::encode(backwards)));
}
