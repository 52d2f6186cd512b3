#include "daemon/feed_clients.hpp"

#include "core/json_writer.hpp"
#include "core/time.hpp"
#include "feeds/drop_folder.hpp"
#include "feeds/poller.hpp"
#include "feeds/upstream_ws.hpp"
#include "support/log.hpp"

#include <fmt/format.h>

namespace electd::daemon {
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

// One message from a feed into ingest, its position going with it (parameters by value: the
// coroutine outlives the call).
asio::awaitable<feeds::submit_result> submit_one(ingestor& in, std::string feed, std::string source,
                                                 feeds::feed_message m)
{
    std::optional<storage::feed_state_write> mark;
    if (m.mark)
        mark = storage::feed_state_write{std::move(feed), std::move(m.mark->key), std::move(m.mark->value)};
    auto a = co_await in.submit(std::move(m.body), std::move(m.content_type), std::move(source), std::move(m.file_name),
                                std::move(mark));
    co_return feeds::submit_result{a.result == ingest_result::unavailable, to_string(a.result), std::move(a.summary)};
}

std::map<std::string, std::string> stored_state(tracker const& t, std::string const& feed)
{
    auto const& all = t.stored_feed_state();
    auto it = all.find(feed);
    return it == all.end() ? std::map<std::string, std::string>{} : it->second;
}

std::unique_ptr<feeds::feed_client> make_client(asio::any_io_executor ex, feed_config const& f,
                                                std::map<std::string, std::string> state, feeds::submit_fn submit,
                                                std::function<void(bool)> on_stall)
{
    auto or_default = [](std::chrono::milliseconds v, std::chrono::milliseconds d) { return v.count() > 0 ? v : d; };
    if (f.type == "drop") {
        feeds::drop_folder_config c;
        c.name = f.name;
        c.path = f.path;
        c.settle = f.settle;
        c.retry = or_default(f.backoff, std::chrono::milliseconds(1000));
        c.max_retry = f.max_backoff;
        return std::make_unique<feeds::drop_folder>(std::move(ex), std::move(c), std::move(state), std::move(submit));
    }
    if (f.type == "poll") {
        feeds::poller_config c;
        c.name = f.name;
        c.url = f.url;
        c.ca_file = f.ca_file;
        c.interval = f.interval;
        c.timeout = f.timeout;
        c.max_backoff = f.max_backoff;
        c.stall_after = f.stall_after;
        c.on_stall = std::move(on_stall);
        return std::make_unique<feeds::poller>(std::move(ex), std::move(c), std::move(state), std::move(submit));
    }
    if (f.type == "websocket") {
        feeds::upstream_ws_config c;
        c.name = f.name;
        c.url = f.url;
        c.ca_file = f.ca_file;
        c.timeout = f.timeout;
        c.backoff = or_default(f.backoff, std::chrono::milliseconds(500));
        c.max_backoff = f.max_backoff;
        return std::make_unique<feeds::upstream_ws>(std::move(ex), std::move(c), std::move(state), std::move(submit));
    }
    throw std::invalid_argument("unknown feed type '" + f.type + "'");
}

void write_time(core::json_writer& w, std::string_view key, std::int64_t ms)
{
    w.key(key);
    ms > 0 ? w.value(core::format_rfc3339(core::from_unix_ms(ms))) : w.null();
}

std::string label(std::string_view v)
{
    std::string out;
    for (char c : v) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

} // namespace

std::string feed_clients::source_of(feed_config const& f)
{
    return (f.type == "websocket" ? std::string("ws") : f.type) + ":" + f.name;
}

feed_clients::feed_clients(asio::io_context& ioc, ingestor& in, tracker& t, std::vector<feed_config> const& feeds)
    : ingest_(in)
{
    for (auto const& f : feeds) {
        entry e{f, source_of(f), nullptr, {}};
        auto submit = [&in, feed = f.name, source = e.source](feeds::feed_message m) {
            return submit_one(in, feed, source, std::move(m));
        };
        // A stall (and its end) is an alert like any other: stored, numbered, pushed.
        auto on_stall = [&t, f, source = e.source](bool stalled) {
            feed_event_request r;
            r.message = feed_stall{f.name, f.url, f.stall_after.count(), stalled};
            r.source = source;
            r.payload = fmt::format(R"({{"feed":"{}","stalled":{}}})", label(f.name), stalled);
            r.received_at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
            t.async_feed_event(std::move(r), [name = f.name](feed_event_outcome o) {
                if (!o.stored)
                    module_logger("feeds")->error("feed '{}': the stall alert could not be stored: {}", name, o.message);
            });
        };
        try {
            e.client = make_client(ioc.get_executor(), f, stored_state(t, f.name), std::move(submit), std::move(on_stall));
        } catch (std::exception const& err) {
            e.error = err.what();
            module_logger("feeds")->error("feed '{}' is off: {}", f.name, err.what());
        }
        feeds_.push_back(std::move(e));
    }
}

feed_clients::~feed_clients()
{
    stop();
}

void feed_clients::start()
{
    for (auto& e : feeds_)
        if (e.client)
            e.client->start();
}

void feed_clients::stop()
{
    for (auto& e : feeds_)
        if (e.client)
            e.client->stop();
}

std::string feed_clients::status_json() const
{
    auto counts = ingest_.counts();
    auto now = feeds::unix_ms_now();
    std::string out;
    core::json_writer w(out);
    w.begin_object().key("feeds").begin_array();
    for (auto const& e : feeds_) {
        auto s = e.client ? e.client->status() : feeds::feed_status{};
        w.begin_object().field("name", e.cfg.name).field("type", e.cfg.type).field("source", e.source);
        w.field("target", e.cfg.type == "drop" ? e.cfg.path : e.cfg.url);
        w.field("running", e.client != nullptr).field("connected", s.connected).field("stalled", s.stalled);
        write_time(w, "last_message_at", s.last_message_ms);
        // Lag: seconds since the last message (since the start, before any).
        auto since = s.last_message_ms > 0 ? s.last_message_ms : s.started_ms;
        w.key("lag_s");
        since > 0 ? w.value(static_cast<double>(now - since) / 1000.0, 1) : w.null();
        w.field("cursor", s.cursor).field("messages", static_cast<std::size_t>(s.messages));
        w.field("skipped", static_cast<std::size_t>(s.skipped));
        w.key("counts").begin_object();
        std::string last_result;
        if (auto it = counts.find(e.source); it != counts.end()) {
            for (auto const& [result, n] : it->second.by_result)
                w.field(result, static_cast<std::size_t>(n));
            last_result = it->second.last_summary;
        }
        w.end_object().field("last_result", last_result);
        w.field("last_error", e.client ? s.last_error : e.error);
        write_time(w, "last_error_at", s.last_error_ms);
        w.key("errors").begin_object();
        for (auto const& [kind, n] : s.errors)
            w.field(kind, static_cast<std::size_t>(n));
        w.end_object();
        write_time(w, "next_attempt_at", s.next_attempt_ms);
        w.end_object();
    }
    w.end_array().end_object();
    return out;
}

void feed_clients::write_metrics(std::string& out) const
{
    if (feeds_.empty())
        return;
    auto counts = ingest_.counts();
    std::vector<std::pair<feed_config const*, feeds::feed_status>> all;
    for (auto const& e : feeds_)
        all.emplace_back(&e.cfg, e.client ? e.client->status() : feeds::feed_status{});
    auto it = std::back_inserter(out);
    fmt::format_to(it, "# HELP electd_feed_messages_total Messages a feed client handed to ingest, by result\n"
                       "# TYPE electd_feed_messages_total counter\n");
    for (auto const& e : feeds_)
        if (auto c = counts.find(e.source); c != counts.end())
            for (auto const& [result, n] : c->second.by_result)
                fmt::format_to(it, "electd_feed_messages_total{{feed=\"{}\",type=\"{}\",result=\"{}\"}} {}\n",
                               label(e.cfg.name), e.cfg.type, result, n);
    fmt::format_to(it, "# HELP electd_feed_errors_total Feed client errors, by kind (timeout, connect, http_5xx, ...)\n"
                       "# TYPE electd_feed_errors_total counter\n");
    for (auto const& [cfg, s] : all)
        for (auto const& [kind, n] : s.errors)
            fmt::format_to(it, "electd_feed_errors_total{{feed=\"{}\",kind=\"{}\"}} {}\n", label(cfg->name), kind, n);
    fmt::format_to(it, "# HELP electd_feed_skipped_total Inputs a feed client had processed before and skipped\n"
                       "# TYPE electd_feed_skipped_total counter\n");
    for (auto const& [cfg, s] : all)
        fmt::format_to(it, "electd_feed_skipped_total{{feed=\"{}\"}} {}\n", label(cfg->name), s.skipped);
    fmt::format_to(it, "# HELP electd_feed_connected Whether a feed client is watching, answered or connected\n"
                       "# TYPE electd_feed_connected gauge\n");
    for (auto const& [cfg, s] : all)
        fmt::format_to(it, "electd_feed_connected{{feed=\"{}\"}} {}\n", label(cfg->name), s.connected ? 1 : 0);
    fmt::format_to(it, "# HELP electd_feed_stalled Whether a feed has brought nothing new for its stall_after\n"
                       "# TYPE electd_feed_stalled gauge\n");
    for (auto const& [cfg, s] : all)
        fmt::format_to(it, "electd_feed_stalled{{feed=\"{}\"}} {}\n", label(cfg->name), s.stalled ? 1 : 0);
    fmt::format_to(it, "# HELP electd_feed_last_message_timestamp_seconds When a feed last brought a message\n"
                       "# TYPE electd_feed_last_message_timestamp_seconds gauge\n");
    for (auto const& [cfg, s] : all)
        fmt::format_to(it, "electd_feed_last_message_timestamp_seconds{{feed=\"{}\"}} {}\n", label(cfg->name),
                       static_cast<double>(s.last_message_ms) / 1000.0);
}

void add_feed_routes(router& r, feed_clients const& f)
{
    r.add(http::verb::get, "/v1/feeds", [&f](route_match&) -> asio::awaitable<reply> {
        co_return json_reply(http::status::ok, f.status_json());
    });
}

} // namespace electd::daemon
