#pragma once
// Read endpoints served from the tracker's latest snapshot: no locks, no SQLite.
#include "daemon/router.hpp"
#include "daemon/tracker.hpp"

namespace electd::daemon {

void add_read_routes(router& r, tracker& t);

} // namespace electd::daemon
