#pragma once
// The producers' dashboard (web/, compiled into the binary, no CDN) and the service index:
// GET / serves the dashboard, GET /web/{file} its assets, GET /v1 the endpoints electd
// really serves (the OpenAPI document is checked against it), GET /v1/hexmap the seat map.
#include "daemon/router.hpp"
#include "daemon/tracker.hpp"

namespace electd::daemon {

void add_web_routes(router& r, tracker& t);

} // namespace electd::daemon
