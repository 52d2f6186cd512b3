#include "daemon/http_server.hpp"

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

namespace electd::daemon {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

http_server::http_server(asio::io_context& ioc, server_config const& cfg, router const& routes)
    : ioc_(ioc), cfg_(cfg), routes_(routes), acceptor_(ioc)
{
}

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
    for (;;) {
        // Each connection gets its own strand, so its coroutine never runs on two threads at once.
        auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor_.is_open())
            co_return;
        if (ec) {
            log->warn("accept failed: {}", ec.message());
            continue;
        }
        if (stats_.connections_open >= cfg_.max_connections) {
            ++stats_.connections_refused;
            log->warn("refusing a connection: {} already open (limit {})", stats_.connections_open.load(),
                      cfg_.max_connections);
            continue; // the socket closes as it goes out of scope
        }
        boost::system::error_code pec;
        auto peer = socket.remote_endpoint(pec);
        std::string address = pec ? "?" : peer.address().to_string();
        if (!admit(address)) {
            ++stats_.connections_refused_per_address;
            log->warn("refusing a connection from {}: it has {} open already (the per-address limit)", address,
                      cfg_.max_connections_per_address);
            continue;
        }
        auto id = ++stats_.connections_total;
        ++stats_.connections_open;
        auto ex = socket.get_executor();
        asio::co_spawn(ex, session(std::move(socket), id), [this, address](std::exception_ptr e) {
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

asio::awaitable<void> http_server::session(tcp::socket socket, std::uint64_t id)
{
    auto log = module_logger("http");
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    stream.socket().set_option(tcp::no_delay(true));
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(cfg_.max_header_bytes));
        parser.body_limit(cfg_.max_body_bytes);
        // Wait for the next request; a slow or silent client is cut off.
        stream.expires_after(buffer.size() > 0 ? cfg_.read_timeout : cfg_.idle_timeout);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (ec) {
            std::optional<reply> refusal;
            if (ec == http::error::body_limit)
                refusal = error_reply(http::status::payload_too_large, "payload_too_large",
                                      "the body is larger than " + std::to_string(cfg_.max_body_bytes) + " bytes");
            else if (ec == http::error::header_limit)
                refusal = error_reply(http::status::request_header_fields_too_large, "headers_too_large",
                                      "the headers are larger than " + std::to_string(cfg_.max_header_bytes) + " bytes");
            else if (ec != http::error::end_of_stream && ec != beast::error::timeout
                     && ec != asio::error::connection_reset && ec != asio::error::eof)
                refusal = error_reply(http::status::bad_request, "bad_request", "malformed HTTP request: " + ec.message());
            if (refusal) {
                log->info("conn {}: refused request: {}", id, ec.message());
                http::response<http::span_body<char const>> res{refusal->status, 11};
                res.set(http::field::content_type, refusal->content_type);
                res.set(http::field::connection, "close");
                res.body() = {refusal->body->data(), refusal->body->size()};
                res.prepare_payload();
                stream.expires_after(std::chrono::seconds(5));
                co_await http::async_write(stream, res, use_tuple);
            }
            break;
        }
        ++stats_.requests;
        auto& req = parser.get();
        if (streams_ && is_stream_request(req)) {
            // A distinct name: GCC 12 confuses same-named locals of sibling scopes in coroutines.
            std::optional<reply> denied = routes_.refuse(req, role::read);
            if (denied) {
                http::response<http::span_body<char const>> res{denied->status, req.version()};
                res.set(http::field::content_type, denied->content_type);
                for (auto const& [field, value] : denied->headers)
                    res.set(field, value);
                res.set(http::field::connection, "close");
                res.body() = {denied->body->data(), denied->body->size()};
                res.prepare_payload();
                co_await http::async_write(stream, res, use_tuple);
                break;
            }
            // The push session owns the connection from here until it closes.
            boost::system::error_code ec_ep;
            auto peer = stream.socket().remote_endpoint(ec_ep);
            // Named values only inside co_await: GCC 12 mishandles temporaries passed to coroutines.
            std::string address = ec_ep ? "?" : peer.address().to_string();
            http_request request = parser.release();
            co_await serve_stream(std::move(stream), std::move(request), std::move(address), *streams_);
            co_return;
        }
        ++stats_.in_flight;
        reply rep = co_await routes_.handle(req);
        bool keep_alive = req.keep_alive() && !draining_;

        // Answer; the body may be a snapshot's shared bytes, kept alive by `rep` until written.
        http::response<http::span_body<char const>> res{rep.status, req.version()};
        res.set(http::field::server, "electd");
        res.set(http::field::content_type, rep.content_type);
        for (auto const& [field, value] : rep.headers)
            res.set(field, value);
        for (auto const& [name, value] : rep.custom_headers)
            res.set(name, value);
        if (rep.body)
            res.body() = {rep.body->data(), rep.body->size()};
        res.keep_alive(keep_alive);
        res.prepare_payload();
        stream.expires_after(cfg_.read_timeout);
        auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
        --stats_.in_flight;
        if (wec || !keep_alive)
            break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

} // namespace electd::daemon
