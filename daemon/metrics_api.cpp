#include "daemon/metrics_api.hpp"

#include "core/json_writer.hpp"
#include "daemon/feed_clients.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace electd::daemon {
namespace http = boost::beast::http;

void add_metrics_route(router& r, metrics_sources src)
{
    // Ready: taking work. Not while draining, while storage refuses commits, or when the tracker
    // has not come round for a while (it wakes every second when idle).
    r.add(http::verb::get, "/readyz", [src](route_match&) -> boost::asio::awaitable<reply> {
        auto const& ts = src.t.stats();
        auto stale = std::chrono::steady_clock::now().time_since_epoch().count() - ts.alive_ns.load();
        bool accepting = !src.server.draining();
        bool storage = !ts.storage_failing.load();
        bool tracker = stale < std::chrono::nanoseconds(std::chrono::seconds(10)).count();
        bool ready = accepting && storage && tracker;
        std::string out;
        core::json_writer w(out);
        w.begin_object().field("ready", ready).key("checks").begin_object();
        w.field("accepting", accepting).field("storage", storage).field("tracker", tracker).end_object();
        w.field("declared", static_cast<std::int64_t>(src.t.current()->totals().declared)).end_object();
        co_return json_reply(ready ? http::status::ok : http::status::service_unavailable, std::move(out));
    });

    r.add(http::verb::get, "/metrics", [&r, src](route_match&) -> boost::asio::awaitable<reply> {
        auto const& ts = src.t.stats();
        auto const& hs = src.server.stats();
        auto snap = src.t.current();
        std::string out;
        auto metric = [&](char const* name, char const* type, char const* help, auto value) {
            write_family(out, name, type, help);
            fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
        };
        auto seconds = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e9; };

        // Ingest, by source (http, drop:..., poll:..., ws:...) and outcome.
        auto counts = src.ingest.counts();
        write_family(out, "electd_ingest_messages_total", "counter", "Messages ingested, by source and outcome");
        for (auto const& [source, c] : counts)
            for (auto const& [result, n] : c.by_result)
                fmt::format_to(std::back_inserter(out), "electd_ingest_messages_total{{source=\"{}\",result=\"{}\"}} {}\n",
                               source, result, n);
        write_family(out, "electd_ingest_seconds", "histogram", "From a message's arrival to its answer, by source and outcome");
        for (auto const& [source, c] : counts)
            for (auto const& [result, h] : c.seconds_by_result)
                h.write(out, "electd_ingest_seconds", fmt::format("source=\"{}\",result=\"{}\"", source, result));

        // The tracker: one writer, group commit.
        metric("electd_tracker_requests_total", "counter", "Requests the tracker processed (declarations and models)",
               ts.declarations.load());
        metric("electd_tracker_batches_total", "counter", "Transactions committed (group commit)", ts.batches.load());
        metric("electd_tracker_batch_size_max", "gauge", "Largest batch so far", ts.largest_batch.load());
        metric("electd_tracker_queue_depth", "gauge", "Requests waiting for the tracker", ts.queue_depth.load());
        metric("electd_tracker_commit_failures_total", "counter", "Batches refused because storage failed",
               ts.commit_failures.load());
        metric("electd_tracker_busy_seconds_total", "counter", "Time spent processing batches", seconds(ts.busy_ns));
        metric("electd_tracker_commit_seconds_total", "counter", "Time spent in COMMIT (fsync)", seconds(ts.commit_ns));
        metric("electd_analysis_seconds_total", "counter", "Time spent comparing results and raising alerts",
               seconds(ts.analysis_ns));
        {
            std::lock_guard lock(ts.detail_mutex);
            write_family(out, "electd_tracker_batch_size", "histogram", "Requests per committed batch");
            ts.batch_sizes.write(out, "electd_tracker_batch_size", "");
            write_family(out, "electd_tracker_commit_seconds", "histogram", "Time one COMMIT took");
            ts.commit_seconds.write(out, "electd_tracker_commit_seconds", "");
            write_family(out, "electd_alerts_by_type_total", "counter", "Alerts raised since start, by type");
            for (auto const& [type, n] : ts.alerts_by_type)
                fmt::format_to(std::back_inserter(out), "electd_alerts_by_type_total{{type=\"{}\"}} {}\n", type, n);
        }
        metric("electd_alerts_total", "counter", "Alerts raised", ts.alerts.load());
        metric("electd_declarations_stored", "gauge", "Declaration revisions stored (the last seq)", snap->last_seq());
        metric("electd_seats_declared", "gauge", "Seats with a result", snap->totals().declared);
        std::error_code ec;
        std::uintmax_t bytes = 0;
        for (auto const* suffix : {"", "-wal"}) {
            auto size = std::filesystem::file_size(src.db_path + suffix, ec);
            bytes += ec ? 0 : size;
        }
        metric("electd_sqlite_bytes", "gauge", "Size of the database file and its write-ahead log", bytes);

        // Connections and requests.
        metric("electd_http_connections_open", "gauge", "Open HTTP connections", hs.connections_open.load());
        metric("electd_http_connections_total", "counter", "HTTP connections accepted", hs.connections_total.load());
        metric("electd_http_connections_refused_total", "counter", "Connections refused over the limit",
               hs.connections_refused.load());
        metric("electd_http_connections_refused_per_address_total", "counter",
               "Connections refused over the per-address limit", hs.connections_refused_per_address.load());
        metric("electd_http_requests_total", "counter", "HTTP requests read", hs.requests.load());
        metric("electd_http_requests_in_flight", "gauge", "Requests read and not yet answered", hs.in_flight.load());
        auto const& rj = r.rejections();
        write_family(out, "electd_http_rejected_total", "counter", "Requests refused by authentication, by reason");
        fmt::format_to(std::back_inserter(out),
                       "electd_http_rejected_total{{reason=\"unauthenticated\"}} {}\n"
                       "electd_http_rejected_total{{reason=\"forbidden\"}} {}\n"
                       "electd_http_rejected_total{{reason=\"rate_limited\"}} {}\n"
                       "electd_http_rejected_total{{reason=\"admin_disabled\"}} {}\n",
                       rj.unauthenticated.load(), rj.forbidden.load(), rj.rate_limited.load(), rj.admin_disabled.load());

        // Subscribers and webhooks.
        auto& ps = src.h.stats();
        metric("electd_stream_subscribers", "gauge", "WebSocket and SSE subscribers connected", ps.subscribers.load());
        metric("electd_stream_joined_total", "counter", "Subscribers accepted", ps.joined.load());
        metric("electd_stream_refused_total", "counter", "Subscribers refused over a limit", ps.refused.load());
        metric("electd_stream_slow_closed_total", "counter", "Subscribers closed as too slow", ps.slow_closed.load());
        metric("electd_stream_messages_queued_total", "counter", "Messages queued to subscribers", ps.messages_queued.load());
        metric("electd_stream_messages_coalesced_total", "counter", "Result and totals messages merged into a waiting one",
               ps.messages_coalesced.load());
        metric("electd_stream_messages_sent_total", "counter", "Messages written to subscribers", ps.messages_sent.load());
        auto const& ws = src.webhooks.stats();
        metric("electd_webhook_delivered_total", "counter", "Webhook deliveries acknowledged", ws.delivered.load());
        metric("electd_webhook_failed_total", "counter", "Webhook attempts that failed", ws.failed.load());
        metric("electd_webhook_dead_lettered_total", "counter", "Alerts a webhook gave up on", ws.dead_lettered.load());
        auto const* feeds = src.feeds;
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
