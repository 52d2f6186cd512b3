#include "core/time.hpp"

#include <catch2/catch.hpp>

using namespace electd::core;

TEST_CASE("RFC 3339 times parse with their offset and format back", "[core][time]")
{
    auto t = parse_rfc3339("2024-07-05T01:12:00+01:00");
    REQUIRE(t);
    CHECK(t->offset_minutes == 60);
    CHECK(format_rfc3339(t->utc) == "2024-07-05T00:12:00Z");
    CHECK(format_rfc3339(t->utc, 60) == "2024-07-05T01:12:00+01:00");
    CHECK(to_unix_ms(t->utc) == 1720138320000);

    auto z = parse_rfc3339("2024-07-05T00:12:00.250Z");
    REQUIRE(z);
    CHECK(to_unix_ms(z->utc) == 1720138320250);
    CHECK(format_rfc3339(z->utc) == "2024-07-05T00:12:00.250Z");
    CHECK(parse_rfc3339("2024-07-05 01:12+01:00"));
    CHECK(parse_rfc3339("2024-12-31T23:59:59-05:30")->offset_minutes == -330);
}

TEST_CASE("Malformed and impossible times are refused", "[core][time]")
{
    for (auto bad : {"", "2024-07-05", "2024-07-05T01:12:00", "05/07/2024 01:12", "2024-02-30T01:00:00Z",
                     "2024-07-05T24:00:00Z", "2024-07-05T01:12:00+1:00", "2024-07-05T01:12:00Zjunk",
                     "2024-07-05T01:12:00.Z", "２０２４-07-05T01:12:00Z"})
        CHECK_FALSE(parse_rfc3339(bad));
}
