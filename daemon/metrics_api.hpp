#pragma once
// GET /metrics in the Prometheus text format.
#include "daemon/http_server.hpp"
#include "daemon/router.hpp"
#include "daemon/tracker.hpp"
#include "daemon/webhooks.hpp"

namespace electd::daemon {

class feed_clients;

void add_metrics_route(router& r, tracker const& t, http_server const& server, hub& h, webhook_dispatcher const& w,
                       feed_clients const* feeds = nullptr);

/// GET /v1/webhooks and GET /v1/webhooks/{name}/dead-letters.
void add_webhook_routes(router& r, webhook_dispatcher const& w);

} // namespace electd::daemon
