#include "daemon/stream_sessions.hpp"

#include "core/json_writer.hpp"
#include "daemon/tls.hpp"
#include "support/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/parse.hpp>

namespace electd::daemon {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

shared_text freeze(std::string&& s)
{
    return std::make_shared<std::string const>(std::move(s));
}

shared_text error_message(std::string_view message)
{
    std::string out;
    core::json_writer w(out);
    w.begin_object().field("type", "error").field("message", message).end_object();
    return freeze(std::move(out));
}

// The snapshot a (re)subscription starts with: the totals and the results it asked for.
shared_text snapshot_message(snapshot const& snap, stream_filter const& f)
{
    std::string out;
    core::json_writer w(out);
    auto const& ref = *snap.reference();
    w.begin_object().field("type", "snapshot").field("seq", snap.last_alert_seq());
    w.field("declared", snap.totals().declared);
    if (f.totals)
        w.key("totals").raw(*snap.totals_object_json());
    if (f.results) {
        w.key("results").begin_array();
        for (auto const& s : snap.seats()) {
            if (!s->result())
                continue;
            auto const& c = ref.seat(s->seat());
            bool watched = std::any_of(ref.watchlist().begin(), ref.watchlist().end(),
                                       [&](core::watch_entry const& e) { return e.seat == s->seat(); });
            std::vector<std::string> parties{ref.parties[s->result()->winner].code};
            if (s->result()->previous_winner)
                parties.push_back(ref.parties[*s->result()->previous_winner].code);
            if (!f.wants_result(c.ons_code, c.region, watched, parties))
                continue;
            w.raw(*hub::result_message(*s, snap));
        }
        w.end_array();
    }
    w.end_object();
    return freeze(std::move(out));
}

// Drains a subscriber into a connection: the snapshot and history of each (re)subscription
// first, then queued live items, skipping alerts already sent. `send` writes one item.
template <class Send>
asio::awaitable<std::optional<std::pair<int, std::string>>> pump(subscriber& sub, stream_context ctx, Send&& send)
{
    std::int64_t last_alert = 0;
    std::shared_ptr<stream_filter const> filter;
    for (;;) {
        if (auto closing = sub.closing())
            co_return closing;
        if (auto r = sub.take_resync()) {
            filter = r->filter;
            auto snap = ctx.t.current();
            // Named, not temporary: GCC 12 destroys temporaries inside co_await expressions twice.
            stream_item snapshot_item{stream_kind::snapshot, snap->last_alert_seq(), -1, snapshot_message(*snap, *filter)};
            if (!co_await send(snapshot_item))
                co_return std::nullopt;
            if (r->since && filter->alerts) {
                // The stored alerts after `since`, in pages, then whatever arrived meanwhile live.
                last_alert = *r->since;
                for (;;) {
                    auto page = ctx.t.alerts().after(last_alert, filter->alert, 1000);
                    for (auto const& a : page) {
                        stream_item history_item{stream_kind::alert, a->seq, -1, hub::alert_message(*a)};
                        if (!co_await send(history_item))
                            co_return std::nullopt;
                    }
                    if (page.empty())
                        break;
                    last_alert = page.back()->seq;
                }
                last_alert = std::max(last_alert, ctx.t.alerts().last_seq());
            } else {
                last_alert = std::max(last_alert, ctx.t.alerts().last_seq());
            }
        }
        auto items = sub.take();
        if (items.empty()) {
            if (!sub.closing() && !sub.take_resync_pending())
                co_await sub.wait();
            continue;
        }
        for (auto& item : items) {
            if (item.kind == stream_kind::alert) {
                if (item.seq <= last_alert)
                    continue; // already sent from the history
                last_alert = item.seq;
            }
            if (!co_await send(item))
                co_return std::nullopt;
            ++ctx.h.stats().messages_sent;
        }
    }
}

std::optional<std::int64_t> since_from(query_params const& q, http_request const& req)
{
    // EventSource resends the last id it saw; an explicit since wins.
    if (q.get("since"))
        return q.integer("since", 0, 0, std::numeric_limits<std::int64_t>::max());
    auto last_id = req["Last-Event-ID"];
    if (last_id.empty())
        return std::nullopt;
    query_params id("since=" + std::string(last_id));
    return id.integer("since", 0, 0, std::numeric_limits<std::int64_t>::max());
}

// Answers a push request that cannot start; returns the status for the access log.
template <class Stream>
asio::awaitable<unsigned> refuse(Stream& stream, http_request const& req, reply rep)
{
    http::response<http::string_body> res{rep.status, req.version()};
    res.set(http::field::server, "electd");
    res.set(http::field::content_type, rep.content_type);
    res.set("X-Request-Id", request_id(req));
    res.set(http::field::connection, "close");
    res.body() = *rep.body;
    res.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    co_await http::async_write(stream, res, use_tuple);
    co_await close_gracefully(stream);
    co_return static_cast<unsigned>(rep.status);
}

// --- Server-Sent Events ---------------------------------------------------------------

template <class Stream>
asio::awaitable<unsigned> run_sse(Stream& stream, http_request req, std::string address, stream_context ctx)
{
    auto [path, query_text] = split_target(req.target());
    stream_filter filter;
    std::optional<std::int64_t> since;
    std::optional<reply> bad;
    try {
        query_params q(query_text);
        filter = filter_from_query(q, true);
        since = since_from(q, req);
    } catch (bad_parameter const& e) {
        bad = error_reply(http::status::bad_request, "bad_parameter", e.what());
    }
    if (bad)
        co_return co_await refuse(stream, req, std::move(*bad));
    std::string refusal;
    auto sub = ctx.h.join(address, stream.get_executor(), refusal);
    if (!sub) {
        auto rep = error_reply(http::status::service_unavailable, "too_many_subscribers", refusal);
        co_return co_await refuse(stream, req, std::move(rep));
    }
    sub->subscribe(std::move(filter), since);

    // A response without length, delimited by the connection's close: what EventSource and
    // curl -N expect, and nothing for a proxy to buffer (X-Accel-Buffering for nginx).
    std::string const head = "HTTP/1.1 200 OK\r\nServer: electd\r\nContent-Type: text/event-stream\r\n"
                             "Cache-Control: no-cache\r\nConnection: close\r\nX-Accel-Buffering: no\r\nX-Request-Id: "
                             + std::string(request_id(req)) + "\r\n\r\nretry: 2000\n\n";
    beast::get_lowest_layer(stream).expires_after(ctx.cfg.read_timeout);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), use_tuple);
    if (!ec) {
        auto send = [&](stream_item const& item) -> asio::awaitable<bool> {
            std::string prefix;
            if (item.kind == stream_kind::alert)
                prefix = "id: " + std::to_string(item.seq) + "\n"; // Last-Event-ID resumes from alerts
            prefix += "event: ";
            prefix += to_string(item.kind);
            prefix += "\ndata: ";
            std::array<asio::const_buffer, 3> parts{asio::buffer(prefix), asio::buffer(*item.json),
                                                    asio::buffer(std::string_view("\n\n"))};
            beast::get_lowest_layer(stream).expires_after(ctx.cfg.read_timeout); // a client that stops reading is dropped
            auto [wec, wn] = co_await asio::async_write(stream, parts, use_tuple);
            co_return !wec;
        };
        if (auto closing = co_await pump(*sub, ctx, send)) {
            std::string out;
            core::json_writer w(out);
            w.begin_object().field("type", "close").field("code", closing->first).field("reason", closing->second).end_object();
            stream_item goodbye{stream_kind::error, 0, -1, freeze(std::move(out))};
            co_await send(goodbye);
        }
    }
    ctx.h.leave(sub);
    co_await close_gracefully(stream);
    co_return 200;
}

// --- WebSocket ------------------------------------------------------------------------

template <class Stream>
asio::awaitable<void> ws_reader(websocket::stream<Stream&>& ws, subscriber& sub)
{
    beast::flat_buffer buffer;
    for (;;) {
        auto [ec, n] = co_await ws.async_read(buffer, use_tuple);
        if (ec)
            co_return;
        std::string text = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        try {
            boost::system::error_code jec;
            auto v = boost::json::parse(text, jec);
            if (jec || !v.is_object())
                throw bad_parameter("send a JSON object such as {\"subscribe\": {\"types\": [\"gain\"]}, \"since\": 0}");
            auto const& o = v.get_object();
            stream_filter f;
            if (auto const* s = o.if_contains("subscribe"); s && !s->is_null()) {
                if (!s->is_object())
                    throw bad_parameter("'subscribe' must be an object");
                f = filter_from_json(s->get_object());
            }
            std::optional<std::int64_t> since;
            if (auto const* s = o.if_contains("since"); s && !s->is_null()) {
                if (!s->is_int64() || s->get_int64() < 0)
                    throw bad_parameter("'since' must be a non-negative integer (an alert seq)");
                since = s->get_int64();
            }
            sub.subscribe(std::move(f), since);
        } catch (bad_parameter const& e) {
            sub.push(stream_item{stream_kind::error, 0, -1, error_message(e.what())});
        }
    }
}

template <class Stream>
asio::awaitable<unsigned> run_websocket(Stream& stream, http_request req, std::string address, stream_context ctx)
{
    auto [path, query_text] = split_target(req.target());
    std::optional<std::pair<stream_filter, std::optional<std::int64_t>>> initial;
    std::optional<reply> bad;
    try {
        query_params q(query_text);
        if (!q.all().empty()) // parameters on the URL subscribe at once
            initial.emplace(filter_from_query(q, true), since_from(q, req));
    } catch (bad_parameter const& e) {
        bad = error_reply(http::status::bad_request, "bad_parameter", e.what());
    }
    if (bad)
        co_return co_await refuse(stream, req, std::move(*bad));
    beast::get_lowest_layer(stream).expires_never(); // the WebSocket's own timeouts take over
    // Over a reference: moving a beast::tcp_stream allocates a new impl (with its timers) and
    // leaves the old one alive in the session's frame, memory every idle subscriber would pay.
    websocket::stream<Stream&> ws(stream);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = ctx.cfg.ws_idle_timeout; // a ping after half of it; no answer closes
    timeouts.keep_alive_pings = true;
    ws.set_option(timeouts);
    ws.set_option(websocket::stream_base::decorator([id = std::string(request_id(req))](websocket::response_type& res) {
        res.set(http::field::server, "electd");
        res.set("X-Request-Id", id);
    }));
    ws.read_message_max(ctx.cfg.max_ws_message);
    auto [aec] = co_await ws.async_accept(req, use_tuple);
    if (aec)
        co_return 0;
    req = {}; // the upgrade's headers are not needed for the connection's life

    std::string refusal;
    auto sub = ctx.h.join(address, ws.get_executor(), refusal);
    if (!sub) {
        websocket::close_reason full(websocket::close_code::try_again_later, refusal);
        co_await ws.async_close(full, use_tuple);
        co_return 101;
    }
    if (initial)
        sub->subscribe(std::move(initial->first), initial->second);

    // Plain awaitable<void> on both sides: GCC 12 mishandles richer results of `||`.
    auto writer = [&]() -> asio::awaitable<void> {
        ws.text(true);
        auto send = [&](stream_item const& item) -> asio::awaitable<bool> {
            auto [wec, wn] = co_await ws.async_write(asio::buffer(*item.json), use_tuple);
            co_return !wec;
        };
        auto closing = co_await pump(*sub, ctx, send);
        if (closing) { // the reader's pending read then ends with `closed`
            websocket::close_reason reason(static_cast<websocket::close_code>(closing->first), closing->second);
            co_await ws.async_close(reason, use_tuple);
        }
    };
    co_await (ws_reader(ws, *sub) || writer());
    ctx.h.leave(sub);
    co_return 101;
}

} // namespace

bool is_stream_request(http_request const& req)
{
    auto [path, query] = split_target(req.target());
    if (path == "/v1/stream")
        return websocket::is_upgrade(req);
    return path == "/v1/events" && req.method() == http::verb::get;
}

template <class Stream>
asio::awaitable<unsigned> serve_stream(Stream& stream, http_request req, std::string address, stream_context ctx)
{
    // Not a coroutine itself: one frame fewer for every subscriber's whole life.
    bool upgrade = split_target(req.target()).first == "/v1/stream";
    if (upgrade)
        return run_websocket(stream, std::move(req), std::move(address), ctx);
    return run_sse(stream, std::move(req), std::move(address), ctx);
}

// The two streams the listener hands over: plain TCP, and TLS after its handshake.
template asio::awaitable<unsigned> serve_stream<beast::tcp_stream>(beast::tcp_stream&, http_request, std::string,
                                                                   stream_context);
template asio::awaitable<unsigned> serve_stream<tls_stream>(tls_stream&, http_request, std::string, stream_context);

} // namespace electd::daemon
