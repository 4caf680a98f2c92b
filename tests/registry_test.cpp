// The registry: task types and backends by name.
#include <catch2/catch.hpp>

#include <memory>
#include <stdexcept>

#include "support.hpp"

using namespace tasklab;

TEST_CASE("registry: names are unique and found", "[registry]") {
    registry r;
    add_builtin_tasks(r);
    CHECK(r.find("download"));
    CHECK(r.find("deposit"));
    CHECK(r.find("compute"));
    CHECK_FALSE(r.find("upload"));
    CHECK_THROWS_AS(r.add(std::make_unique<download_task>()), std::invalid_argument);
}
