#include "daemon/http_server.hpp"

#include "daemon/tls.hpp"
#include "support/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <random>

namespace electd::daemon {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

// RFC 9110's Date, formatted once a second per thread: graphics clients poll many times a second.
std::string_view http_date()
{
    thread_local std::time_t cached_at = 0;
    thread_local char text[40] = {};
    auto now = std::time(nullptr);
    if (now != cached_at) {
        std::tm tm{};
        ::gmtime_r(&now, &tm);
        std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached_at = now;
    }
    return text;
}

// 16 random hex digits: unique enough, across restarts too, to grep the logs for.
std::string new_request_id()
{
    thread_local std::mt19937_64 gen{std::random_device{}()};
    return fmt::format("{:016x}", gen());
}

// The client's X-Request-Id when it is 1-64 of [A-Za-z0-9._-] (safe in any log line), else a new one.
std::string settle_request_id(std::string_view offered)
{
    bool ok = !offered.empty() && offered.size() <= 64 && std::all_of(offered.begin(), offered.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
    return ok ? std::string(offered) : new_request_id();
}

// One access line per request. Graphics clients pull many times a second, so answered reads
// (GET and HEAD below 400, and push streams) log at debug; writes and every 4xx/5xx at info,
// where an operator looks. The target is redacted: ?access_token= carries a token.
void log_access(spdlog::logger& log, std::uint64_t conn, std::string_view id, std::string_view method,
                std::string_view target, http::status status, std::size_t bytes,
                std::chrono::steady_clock::time_point started, std::string const& address,
                std::string const& token_name)
{
    auto code = static_cast<unsigned>(status);
    bool read = method == "GET" || method == "HEAD";
    auto level = read && code < 400 ? spdlog::level::debug : spdlog::level::info;
    if (!log.should_log(level))
        return;
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    log.log(level, "conn {} req={}: {} {} {} {} bytes {:.1f} ms from {}{}{}", conn, id, method, redact_target(target),
            code, bytes, ms, address, token_name.empty() ? "" : " token=", token_name);
}

// Over a connection limit: a best-effort 503 with the reason, written without waiting (the
// accept loop must not block on one client), then the socket closes. Over TLS there is no
// answer without a handshake, so a TLS client only sees the close.
template <class Socket>
void turn_away(Socket& socket, std::string const& reason)
{
    auto rep = error_reply(http::status::service_unavailable, "too_many_connections", reason);
    auto head = fmt::format("HTTP/1.1 503 Service Unavailable\r\nServer: electd\r\nContent-Type: {}\r\n"
                            "Content-Length: {}\r\nRetry-After: 5\r\nConnection: close\r\n\r\n",
                            rep.content_type, rep.body->size());
    std::array<asio::const_buffer, 2> parts{asio::buffer(head), asio::buffer(*rep.body)};
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    socket.write_some(parts, ec);
    socket.shutdown(Socket::shutdown_send, ec);
}

} // namespace

http_server::http_server(asio::io_context& ioc, server_config const& cfg, router const& routes)
    : ioc_(ioc), cfg_(cfg), routes_(routes), acceptor_(ioc)
{
    if (!cfg_.tls_cert.empty() && !cfg_.tls_key.empty())
        tls_ = make_server_tls(cfg_.tls_cert, cfg_.tls_key);
}

http_server::~http_server() = default;

tcp::endpoint http_server::start()
{
    auto address = asio::ip::make_address(cfg_.listen_host);
    tcp::endpoint ep(address, cfg_.listen_port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
    return acceptor_.local_endpoint();
}

void http_server::stop_accepting()
{
    draining_ = true;
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ec;
        acceptor_.close(ec);
    });
}

asio::awaitable<void> http_server::accept_loop()
{
    auto log = module_logger("http");
    std::uint64_t refused_quietly = 0;
    std::chrono::steady_clock::time_point refusal_logged{};
    for (;;) {
        // Each connection gets its own strand, so its coroutine never runs on two threads at once.
        auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor_.is_open())
            co_return;
        if (ec) {
            log->warn("accept failed: {}", ec.message());
            continue;
        }
        boost::system::error_code pec;
        auto peer = socket.remote_endpoint(pec);
        std::string address = pec ? "?" : peer.address().to_string();
        std::string refusal; // why, for the log and for the client
        if (stats_.connections_open >= cfg_.max_connections) {
            ++stats_.connections_refused;
            refusal = "electd has " + std::to_string(cfg_.max_connections)
                      + " connections open, its limit (--max-connections)";
        } else if (!admit(address)) {
            ++stats_.connections_refused_per_address;
            refusal = address + " has " + std::to_string(cfg_.max_connections_per_address)
                      + " connections open, the per-address limit (--max-connections-per-address)";
        }
        if (!refusal.empty()) {
            // One line a second at most: a flood of connections must not become a flood of
            // log lines. /metrics counts every one.
            ++refused_quietly;
            if (auto now = std::chrono::steady_clock::now(); now - refusal_logged >= std::chrono::seconds(1)) {
                log->warn("refused {} connection(s) since the last such line; the latest from {}: {}",
                          refused_quietly, address, refusal);
                refused_quietly = 0;
                refusal_logged = now;
            }
            if (!tls_)
                turn_away(socket, refusal);
            continue; // the socket closes as it goes out of scope
        }
        auto id = ++stats_.connections_total;
        ++stats_.connections_open;
        auto ex = socket.get_executor();
        asio::co_spawn(ex, connection(std::move(socket), id, address), [this, address](std::exception_ptr e) {
            --stats_.connections_open;
            release(address);
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (std::exception const& ex) {
                    module_logger("http")->error("session failed: {}", ex.what());
                }
            }
        });
    }
}

bool http_server::admit(std::string const& address)
{
    std::lock_guard lock(per_address_mutex_);
    auto& n = per_address_[address];
    if (n >= cfg_.max_connections_per_address)
        return false;
    ++n;
    return true;
}

void http_server::release(std::string const& address)
{
    std::lock_guard lock(per_address_mutex_);
    auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0)
        per_address_.erase(it);
}

asio::awaitable<void> http_server::connection(tcp::socket socket, std::uint64_t id, std::string address)
{
    boost::system::error_code nec;
    socket.set_option(tcp::no_delay(true), nec);
    beast::tcp_stream plain(std::move(socket));
    if (!tls_) {
        co_await serve(plain, id, std::move(address));
        co_return;
    }
    tls_stream secure(std::move(plain), *tls_);
    // The handshake must finish within read_timeout, so a silent or slow client cannot hold a slot.
    beast::get_lowest_layer(secure).expires_after(cfg_.read_timeout);
    auto [hec] = co_await secure.async_handshake(asio::ssl::stream_base::server, use_tuple);
    if (hec) {
        ++stats_.tls_handshake_failures;
        // Hang-ups and timeouts are routine on an open port; anything else (an old client, plain
        // HTTP sent here) is a client the operator may want to hear about.
        bool routine = hec == beast::error::timeout || hec == asio::error::eof || hec == asio::error::connection_reset
                       || hec == asio::ssl::error::stream_truncated;
        bool plain_http = hec.category() == asio::error::get_ssl_category()
                          && ERR_GET_REASON(static_cast<unsigned long>(hec.value())) == SSL_R_HTTP_REQUEST;
        module_logger("http")->log(routine ? spdlog::level::info : spdlog::level::warn,
                                   "conn {}: TLS handshake with {} failed: {}{}", id, address, hec.message(),
                                   plain_http ? " (plain HTTP sent to the HTTPS port)" : "");
        co_return;
    }
    co_await serve(secure, id, std::move(address));
}

template <class Stream>
asio::awaitable<void> http_server::serve(Stream& stream, std::uint64_t id, std::string address)
{
    // The session's frame (parser, buffers, answers) is gone before a push stream starts: a
    // subscriber may stay connected all night, and there may be 10,000 of them.
    auto upgrade = co_await session(stream, id, address);
    if (!upgrade)
        co_return;
    // The push session owns the connection from here until it closes; its access line is
    // written then, with the stream's whole life as its duration.
    auto streamed = co_await serve_stream(stream, std::move(upgrade->request), address, *streams_);
    log_access(*module_logger("http"), id, upgrade->id, upgrade->method, upgrade->target,
               static_cast<http::status>(streamed), 0, upgrade->started, address, upgrade->token_name);
}

template <class Stream>
asio::awaitable<std::optional<http_server::stream_upgrade>> http_server::session(Stream& stream, std::uint64_t id,
                                                                                 std::string address)
{
    auto log = module_logger("http");
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(cfg_.max_header_bytes));
        parser.body_limit(cfg_.max_body_bytes);
        // Wait for the next request; a slow or silent client is cut off.
        beast::get_lowest_layer(stream).expires_after(buffer.size() > 0 ? cfg_.read_timeout : cfg_.idle_timeout);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
        auto started = std::chrono::steady_clock::now();
        if (ec) {
            std::optional<reply> refusal;
            if (ec == http::error::body_limit)
                refusal = error_reply(http::status::payload_too_large, "payload_too_large",
                                      "the body is larger than " + std::to_string(cfg_.max_body_bytes) + " bytes");
            else if (ec == http::error::header_limit)
                refusal = error_reply(http::status::request_header_fields_too_large, "headers_too_large",
                                      "the headers are larger than " + std::to_string(cfg_.max_header_bytes) + " bytes");
            else if (ec != http::error::end_of_stream && ec != beast::error::timeout
                     && ec != asio::error::connection_reset && ec != asio::error::eof
                     && ec.category() != asio::error::get_ssl_category()) // TLS trouble: nothing to answer on
                refusal = error_reply(http::status::bad_request, "bad_request", "malformed HTTP request: " + ec.message());
            if (refusal) {
                // The client's id if its headers arrived (a body too large), else a new one.
                std::string refused_id = parser.is_header_done() ? settle_request_id(parser.get()["X-Request-Id"])
                                                                 : new_request_id();
                log->info("conn {} req={}: refused request: {}", id, refused_id, ec.message());
                http::response<http::span_body<char const>> res{refusal->status, 11};
                res.set(http::field::content_type, refusal->content_type);
                res.set("X-Request-Id", refused_id);
                res.set(http::field::connection, "close");
                res.body() = {refusal->body->data(), refusal->body->size()};
                res.prepare_payload();
                beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
                co_await http::async_write(stream, res, use_tuple);
                std::string_view method = parser.is_header_done() ? parser.get().method_string() : "-";
                std::string_view target = parser.is_header_done() ? parser.get().target() : "-";
                log_access(*log, id, refused_id, method, target, refusal->status, refusal->body->size(), started,
                           address, {});
            }
            break;
        }
        ++stats_.requests;
        auto& req = parser.get();
        // From here every request carries a settled id: handlers, refusals and log lines read it.
        std::string req_id = settle_request_id(req["X-Request-Id"]);
        req.set("X-Request-Id", req_id);
        std::string token_name;
        if (streams_ && is_stream_request(req)) {
            // A distinct name: GCC 12 confuses same-named locals of sibling scopes in coroutines.
            std::optional<reply> denied = routes_.refuse(req, role::read, &token_name);
            if (denied) {
                http::response<http::span_body<char const>> res{denied->status, req.version()};
                res.set(http::field::content_type, denied->content_type);
                for (auto const& [field, value] : denied->headers)
                    res.set(field, value);
                res.set("X-Request-Id", req_id);
                res.set(http::field::connection, "close");
                res.body() = {denied->body->data(), denied->body->size()};
                res.prepare_payload();
                beast::get_lowest_layer(stream).expires_after(cfg_.read_timeout);
                co_await http::async_write(stream, res, use_tuple);
                log_access(*log, id, req_id, req.method_string(), req.target(), denied->status, denied->body->size(),
                           started, address, token_name);
                break;
            }
            std::string method(req.method_string());
            std::string target(req.target());
            co_return stream_upgrade{parser.release(), std::move(req_id), std::move(method), std::move(target),
                                     std::move(token_name), started};
        }
        ++stats_.in_flight;
        std::string* token_out = &token_name;
        reply rep = co_await routes_.handle(req, token_out);
        bool keep_alive = req.keep_alive() && !draining_;

        // Answer; the body may be a snapshot's shared bytes, kept alive by `rep` until written.
        http::response<http::span_body<char const>> res{rep.status, req.version()};
        res.set(http::field::server, "electd");
        res.set(http::field::date, http_date());
        res.set(http::field::content_type, rep.content_type);
        for (auto const& [field, value] : rep.headers)
            res.set(field, value);
        for (auto const& [name, value] : rep.custom_headers)
            res.set(name, value);
        res.set("X-Request-Id", req_id);
        if (rep.body)
            res.body() = {rep.body->data(), rep.body->size()};
        res.keep_alive(keep_alive);
        res.prepare_payload();
        beast::get_lowest_layer(stream).expires_after(cfg_.read_timeout);
        auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
        --stats_.in_flight;
        log_access(*log, id, req_id, req.method_string(), req.target(), rep.status, rep.body ? rep.body->size() : 0,
                   started, address, token_name);
        if (wec || !keep_alive)
            break;
    }
    co_await close_gracefully(stream);
    co_return std::nullopt;
}

} // namespace electd::daemon
