#pragma once
// GET /metrics in the Prometheus text format.
#include "daemon/http_server.hpp"
#include "daemon/ingest_api.hpp"
#include "daemon/router.hpp"
#include "daemon/tracker.hpp"
#include "daemon/webhooks.hpp"

namespace electd::daemon {

class feed_clients;

/// What /metrics reads; all of it outlives the route.
struct metrics_sources {
    tracker const& t;
    http_server const& server;
    hub& h;
    webhook_dispatcher const& webhooks;
    ingestor const& ingest;
    feed_clients const* feeds = nullptr;
    std::string db_path; // its size, with the WAL
};

void add_metrics_route(router& r, metrics_sources sources);

/// GET /v1/webhooks and GET /v1/webhooks/{name}/dead-letters.
void add_webhook_routes(router& r, webhook_dispatcher const& w);

} // namespace electd::daemon
