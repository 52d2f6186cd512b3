#include "daemon/metrics_api.hpp"

#include "daemon/feed_clients.hpp"

#include <fmt/format.h>

namespace electd::daemon {
namespace http = boost::beast::http;

void add_metrics_route(router& r, tracker const& t, http_server const& server, hub& h, webhook_dispatcher const& wh,
                       feed_clients const* feeds)
{
    r.add(http::verb::get, "/metrics", [&r, &t, &server, &h, &wh, feeds](route_match&) -> boost::asio::awaitable<reply> {
        auto const& ts = t.stats();
        auto const& hs = server.stats();
        auto snap = t.current();
        std::string out;
        auto metric = [&](char const* name, char const* type, char const* help, auto value) {
            fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
        };
        auto seconds = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e9; };
        metric("electd_tracker_requests_total", "counter", "Requests the tracker processed (declarations and models)",
               ts.declarations.load());
        metric("electd_tracker_batches_total", "counter", "Transactions committed (group commit)", ts.batches.load());
        metric("electd_tracker_batch_size_max", "gauge", "Largest batch so far", ts.largest_batch.load());
        metric("electd_tracker_commit_failures_total", "counter", "Batches refused because storage failed",
               ts.commit_failures.load());
        metric("electd_tracker_busy_seconds_total", "counter", "Time spent processing batches", seconds(ts.busy_ns));
        metric("electd_tracker_commit_seconds_total", "counter", "Time spent in COMMIT (fsync)", seconds(ts.commit_ns));
        metric("electd_analysis_seconds_total", "counter", "Time spent comparing results and raising alerts",
               seconds(ts.analysis_ns));
        metric("electd_alerts_total", "counter", "Alerts raised", ts.alerts.load());
        metric("electd_declarations_stored", "gauge", "Declaration revisions stored (the last seq)", snap->last_seq());
        metric("electd_seats_declared", "gauge", "Seats with a result", snap->totals().declared);
        metric("electd_http_connections_open", "gauge", "Open HTTP connections", hs.connections_open.load());
        metric("electd_http_connections_total", "counter", "HTTP connections accepted", hs.connections_total.load());
        metric("electd_http_connections_refused_total", "counter", "Connections refused over the limit",
               hs.connections_refused.load());
        metric("electd_http_connections_refused_per_address_total", "counter",
               "Connections refused over the per-address limit", hs.connections_refused_per_address.load());
        metric("electd_http_requests_total", "counter", "HTTP requests read", hs.requests.load());
        auto const& rj = r.rejections();
        out += "# HELP electd_http_rejected_total Requests refused by authentication, by reason\n"
               "# TYPE electd_http_rejected_total counter\n";
        fmt::format_to(std::back_inserter(out),
                       "electd_http_rejected_total{{reason=\"unauthenticated\"}} {}\n"
                       "electd_http_rejected_total{{reason=\"forbidden\"}} {}\n"
                       "electd_http_rejected_total{{reason=\"rate_limited\"}} {}\n"
                       "electd_http_rejected_total{{reason=\"admin_disabled\"}} {}\n",
                       rj.unauthenticated.load(), rj.forbidden.load(), rj.rate_limited.load(), rj.admin_disabled.load());
        auto& ps = h.stats();
        metric("electd_stream_subscribers", "gauge", "WebSocket and SSE subscribers connected", ps.subscribers.load());
        metric("electd_stream_joined_total", "counter", "Subscribers accepted", ps.joined.load());
        metric("electd_stream_refused_total", "counter", "Subscribers refused over a limit", ps.refused.load());
        metric("electd_stream_slow_closed_total", "counter", "Subscribers closed as too slow", ps.slow_closed.load());
        metric("electd_stream_messages_queued_total", "counter", "Messages queued to subscribers", ps.messages_queued.load());
        metric("electd_stream_messages_coalesced_total", "counter", "Result and totals messages merged into a waiting one",
               ps.messages_coalesced.load());
        metric("electd_stream_messages_sent_total", "counter", "Messages written to subscribers", ps.messages_sent.load());
        metric("electd_webhook_delivered_total", "counter", "Webhook deliveries acknowledged", wh.stats().delivered.load());
        metric("electd_webhook_failed_total", "counter", "Webhook attempts that failed", wh.stats().failed.load());
        metric("electd_webhook_dead_lettered_total", "counter", "Alerts a webhook gave up on", wh.stats().dead_lettered.load());
        if (feeds)
            feeds->write_metrics(out);
        reply rep{http::status::ok, std::make_shared<std::string const>(std::move(out)),
                  "text/plain; version=0.0.4; charset=utf-8"};
        co_return rep;
    });
}

} // namespace electd::daemon

namespace electd::daemon {

void add_webhook_routes(router& r, webhook_dispatcher const& w)
{
    r.add(http::verb::get, "/v1/webhooks", [&w](route_match&) -> boost::asio::awaitable<reply> {
        co_return json_reply(http::status::ok, w.status_json());
    });
    r.add(http::verb::get, "/v1/webhooks/{name}/dead-letters", [&w](route_match& m) -> boost::asio::awaitable<reply> {
        if (auto json = w.dead_letters_json(m.params[0]))
            co_return json_reply(http::status::ok, std::move(*json));
        co_return error_reply(http::status::not_found, "not_found", "no webhook named '" + m.params[0] + "'");
    });
}

} // namespace electd::daemon
