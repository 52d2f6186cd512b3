#pragma once
// GET /metrics in the Prometheus text format.
#include "daemon/http_server.hpp"
#include "daemon/router.hpp"
#include "daemon/tracker.hpp"

namespace electd::daemon {

void add_metrics_route(router& r, tracker const& t, http_server const& server, hub& h);

} // namespace electd::daemon
