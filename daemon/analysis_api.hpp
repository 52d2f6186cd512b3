#pragma once
// Alerts, the exit poll, projections and scenarios; and the admin uploads that replace a
// model on the night.
#include "daemon/router.hpp"
#include "daemon/server_config.hpp"
#include "daemon/tracker.hpp"

namespace electd::daemon {

void add_analysis_routes(router& r, tracker& t);

} // namespace electd::daemon
