#include "feeds/upstream_ws.hpp"

#include "support/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <charconv>
#include <stdexcept>

namespace electd::feeds {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
namespace json = boost::json;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct upstream_ws::impl {
    impl(asio::any_io_executor ex, upstream_ws_config c, std::map<std::string, std::string> const& state, submit_fn fn)
        : strand(asio::make_strand(ex)), cfg(std::move(c)), submit(std::move(fn)), timer(strand),
          back(cfg.backoff, cfg.max_backoff)
    {
        std::string copy(cfg.url);
        auto u = boost::urls::parse_uri(copy);
        if (!u || (u->scheme() != "ws" && u->scheme() != "wss") || u->host().empty())
            throw std::invalid_argument("'" + cfg.url + "' is not a ws:// or wss:// URL");
        tls = u->scheme() == "wss";
        host = std::string(u->host());
        port = u->has_port() ? std::string(u->port()) : (tls ? "443" : "80");
        target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
        if (u->has_query())
            target += "?" + std::string(u->encoded_query());
        if (tls) {
            ctx.emplace(ssl::context::tls_client);
            ctx->set_default_verify_paths();
            if (!cfg.ca_file.empty()) {
                boost::system::error_code ec;
                ctx->load_verify_file(cfg.ca_file, ec);
                if (ec)
                    throw std::invalid_argument("cannot read the CA file '" + cfg.ca_file + "': " + ec.message());
            }
            ctx->set_verify_mode(ssl::verify_peer);
        }
        if (auto it = state.find("seq"); it != state.end())
            std::from_chars(it->second.data(), it->second.data() + it->second.size(), last_seq);
        if (last_seq > 0)
            board.update([&](feed_status& s) { s.cursor = std::to_string(last_seq); });
    }

    asio::strand<asio::any_io_executor> strand;
    upstream_ws_config cfg;
    submit_fn submit;
    asio::steady_timer timer;
    backoff back;
    status_board board;
    bool tls = false;
    std::string host, port, target;
    std::optional<ssl::context> ctx;
    std::int64_t last_seq = 0;
    bool stopped = false;
    beast::tcp_stream* open_socket = nullptr; // while connected, for stop()
    std::shared_ptr<spdlog::logger> log = module_logger("feeds");

    static asio::awaitable<void> run(std::shared_ptr<impl> self);
    template <class Stream>
    asio::awaitable<std::string> session(Stream& ws, tcp::resolver::results_type const& endpoints);
    asio::awaitable<bool> take(std::string text);
};

upstream_ws::upstream_ws(asio::any_io_executor ex, upstream_ws_config cfg, std::map<std::string, std::string> state,
                         submit_fn submit)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(cfg), state, std::move(submit)))
{
}

upstream_ws::~upstream_ws()
{
    stop();
}

void upstream_ws::start()
{
    impl_->board.update([](feed_status& s) { s.started_ms = unix_ms_now(); });
    asio::co_spawn(impl_->strand, impl::run(impl_), report_stop("upstream WebSocket '" + impl_->cfg.name + "'"));
}

void upstream_ws::stop()
{
    asio::post(impl_->strand, [self = impl_] {
        self->stopped = true;
        self->timer.cancel();
        if (self->open_socket)
            self->open_socket->cancel(); // the pending read ends, and with it the session
    });
}

feed_status upstream_ws::status() const
{
    return impl_->board.get();
}

asio::awaitable<void> upstream_ws::impl::run(std::shared_ptr<impl> self)
{
    auto& log = self->log;
    log->info("upstream WebSocket '{}': connecting to {}", self->cfg.name, self->cfg.url);
    while (!self->stopped) {
        std::string why;
        tcp::resolver resolver(self->strand);
        auto [rec, endpoints] = co_await resolver.async_resolve(self->host, self->port, use_tuple);
        if (rec) {
            why = "cannot resolve " + self->host + ": " + rec.message();
            self->board.error("connect", why);
        } else if (self->tls) {
            websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(self->strand, *self->ctx);
            why = co_await self->session(ws, endpoints);
        } else {
            websocket::stream<beast::tcp_stream> ws(self->strand);
            why = co_await self->session(ws, endpoints);
        }
        self->board.update([](feed_status& s) { s.connected = false; });
        if (self->stopped)
            break;
        // Reconnect after a pause that grows while the provider stays away.
        auto wait = self->back.next();
        if (self->back.attempts() == 1)
            log->warn("upstream WebSocket '{}': {}; reconnecting in {} ms", self->cfg.name, why, wait.count());
        else
            log->debug("upstream WebSocket '{}': {}; reconnecting in {} ms", self->cfg.name, why, wait.count());
        self->board.update([&](feed_status& s) { s.next_attempt_ms = unix_ms_now() + wait.count(); });
        self->timer.expires_after(wait);
        co_await self->timer.async_wait(use_tuple);
    }
}

template <class Stream>
asio::awaitable<std::string> upstream_ws::impl::session(Stream& ws, tcp::resolver::results_type const& endpoints)
{
    auto& low = beast::get_lowest_layer(ws);
    auto fail = [&](std::string const& kind, std::string why) {
        board.error(kind, why);
        return why;
    };
    // Connect, and for wss shake hands with the server named in the URL.
    low.expires_after(cfg.timeout);
    auto [cec, ep] = co_await low.async_connect(endpoints, use_tuple);
    if (cec)
        co_return fail("connect", "cannot connect to " + host + ":" + port + ": " + cec.message());
    if constexpr (!std::is_same_v<Stream, websocket::stream<beast::tcp_stream>>) {
        if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), host.c_str()))
            co_return fail("tls", "cannot set the TLS server name");
        ws.next_layer().set_verify_callback(ssl::host_name_verification(host));
        low.expires_after(cfg.timeout);
        auto [hec] = co_await ws.next_layer().async_handshake(ssl::stream_base::client, use_tuple);
        if (hec)
            co_return fail("tls", "TLS handshake with " + host + " failed: " + hec.message());
    }
    // The WebSocket's own timeouts from here: a silent provider is pinged, then dropped.
    low.expires_never();
    ws.set_option(websocket::stream_base::timeout{cfg.timeout, cfg.timeout, true});
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "electd/0.1"); }));
    ws.read_message_max(16 * 1024 * 1024);
    auto [wec] = co_await ws.async_handshake(host + ":" + port, target, use_tuple);
    if (wec)
        co_return fail("handshake", "WebSocket handshake with " + cfg.url + " failed: " + wec.message());
    open_socket = &low;
    struct forget { // the socket is about to go
        beast::tcp_stream*& p;
        ~forget() { p = nullptr; }
    } forget_socket{open_socket};
    if (stopped)
        co_return "stopped";
    board.update([](feed_status& s) {
        s.connected = true;
        s.next_attempt_ms = 0;
    });
    log->info("upstream WebSocket '{}': connected to {}, asking since {}", cfg.name, cfg.url, last_seq);
    // Ask for everything after what we have.
    auto hello = json::serialize(json::object{{"since", last_seq}});
    auto [sec, sn] = co_await ws.async_write(asio::buffer(hello), use_tuple);
    if (sec)
        co_return fail("closed", "sending since to " + cfg.url + ": " + sec.message());
    beast::flat_buffer buffer;
    for (;;) {
        // The provider's next message.
        auto [rec, n] = co_await ws.async_read(buffer, use_tuple);
        if (stopped)
            co_return "stopped";
        if (rec) {
            if (rec == websocket::error::closed)
                co_return fail("closed", "the provider closed the connection (" + std::to_string(ws.reason().code) + " "
                                             + std::string(ws.reason().reason.c_str()) + ")");
            co_return fail(rec == beast::error::timeout ? "timeout" : "closed",
                           "connection to " + cfg.url + " lost: " + rec.message());
        }
        bool text = ws.got_text();
        auto message = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        if (!text)
            continue;
        back.reset(); // a working connection: the next drop starts the backoff afresh
        if (!co_await take(std::move(message)))
            co_return "stopped";
    }
}

asio::awaitable<bool> upstream_ws::impl::take(std::string text)
{
    std::optional<std::int64_t> seq;
    std::string body;
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    json::value const* declaration = nullptr;
    if (!ec && v.is_object())
        declaration = v.as_object().if_contains("declaration");
    if (declaration) {
        if (auto const* s = v.as_object().if_contains("seq")) {
            if (s->is_int64())
                seq = s->as_int64();
            else if (s->is_uint64())
                seq = static_cast<std::int64_t>(s->as_uint64());
        }
        if (seq && *seq <= last_seq) { // replayed by the provider: we have it
            board.update([](feed_status& s) { ++s.skipped; });
            co_return true;
        }
        if (seq && *seq > last_seq + 1 && last_seq > 0)
            log->warn("upstream WebSocket '{}': sequence jumped from {} to {}", cfg.name, last_seq, *seq);
        body = json::serialize(*declaration);
    } else {
        body = std::move(text); // a bare declaration (or not JSON at all: ingest says so)
    }
    std::optional<feed_mark> mark;
    if (seq)
        mark = feed_mark{"seq", std::to_string(*seq)};
    backoff storage_retry(cfg.backoff, cfg.max_backoff);
    for (;;) {
        // A named message, not a temporary in the co_await (GCC 12 mishandles those).
        feed_message m{body, "application/json", std::nullopt, mark};
        auto r = co_await submit(std::move(m));
        if (!r.retry) {
            log->debug("upstream WebSocket '{}': {} {} ({})", cfg.name, seq ? *seq : 0, r.result, r.summary);
            break;
        }
        // Storage failed: nothing was stored; the same message again after a pause.
        board.error("storage", r.summary);
        auto wait = storage_retry.next();
        timer.expires_after(wait);
        co_await timer.async_wait(use_tuple);
        if (stopped)
            co_return false;
    }
    if (seq)
        last_seq = *seq;
    board.update([&](feed_status& s) {
        ++s.messages;
        s.last_message_ms = unix_ms_now();
        if (seq)
            s.cursor = std::to_string(*seq);
    });
    co_return true;
}

} // namespace electd::feeds
