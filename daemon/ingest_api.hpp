#pragma once
// POST /v1/declarations: parse, check, hand to the tracker, answer after the commit.
#include "daemon/router.hpp"
#include "daemon/tracker.hpp"

namespace electd::daemon {

void add_ingest_routes(router& r, tracker& t);

/// The HTTP answer for a tracker outcome (also used by tests of the mapping).
reply to_reply(ingest_outcome const& o);

} // namespace electd::daemon
