// The deposit task's account.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>

#include "support.hpp"

using namespace tasklab;

TEST_CASE("deposit: the account validates like the lesson's property setter", "[deposit]") {
    CHECK(account::after_deposit(0, 1) == 1);
    CHECK(account::after_deposit(41, 1) == 42);
    CHECK_THROWS_AS(account::after_deposit(0, 0), std::invalid_argument);
    CHECK_THROWS_WITH(account::after_deposit(0, -5), Catch::Contains("positive") && Catch::Contains("-5"));
    CHECK_THROWS_AS(account::after_deposit(std::numeric_limits<std::int64_t>::max(), 1), std::overflow_error);
    CHECK(account::after_deposit(std::numeric_limits<std::int64_t>::max() - 1, 1) ==
          std::numeric_limits<std::int64_t>::max());
}
