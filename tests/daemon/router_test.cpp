// What reaches a log line of a request's target: tokens never do.
#include "daemon/router.hpp"

#include <catch2/catch.hpp>

using electd::daemon::redact_target;

TEST_CASE("redact_target hides access_token and the dashboard's token, and nothing else", "[unit][router]")
{
    CHECK(redact_target("/v1/totals") == "/v1/totals");
    CHECK(redact_target("/v1/events?type=gain&access_token=s3cret") == "/v1/events?type=gain&access_token=REDACTED");
    CHECK(redact_target("/?token=s3cret") == "/?token=REDACTED");
    CHECK(redact_target("/v1/stream?acc%65ss_token=s3cret&since=4") == "/v1/stream?acc%65ss_token=REDACTED&since=4");
    CHECK(redact_target("/v1/alerts?tokens=2&since=1") == "/v1/alerts?tokens=2&since=1");
    CHECK(redact_target("/v1/alerts?token") == "/v1/alerts?token"); // no value, nothing to hide
    CHECK(redact_target("/v1/alerts?") == "/v1/alerts?");
}
