#include "feeds/http_fetch.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <stdexcept>

namespace electd::feeds {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::optional<std::string> fetch_response::header(std::string_view name) const
{
    for (auto const& [k, v] : headers)
        if (beast::iequals(k, name))
            return v;
    return std::nullopt;
}

struct http_fetcher::impl {
    asio::any_io_executor ex;
    bool tls = false;
    std::string host, port, path;
    std::chrono::milliseconds timeout;
    std::optional<ssl::context> ctx;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*secure) : *plain; }
    bool connected() const { return tls ? secure.has_value() : plain.has_value(); }
};

http_fetcher::http_fetcher(asio::any_io_executor ex, std::string const& url, std::string const& ca_file,
                           std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>())
{
    std::string copy(url); // parse a NUL-terminated copy (see daemon/query.cpp)
    auto u = boost::urls::parse_uri(copy);
    if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->host().empty())
        throw std::invalid_argument("'" + url + "' is not an http:// or https:// URL");
    impl_->ex = std::move(ex);
    impl_->tls = u->scheme() == "https";
    impl_->host = std::string(u->host());
    impl_->port = u->has_port() ? std::string(u->port()) : (impl_->tls ? "443" : "80");
    impl_->path = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
    if (u->has_query())
        impl_->path += "?" + std::string(u->encoded_query());
    impl_->timeout = timeout;
    if (impl_->tls) {
        impl_->ctx.emplace(ssl::context::tls_client);
        impl_->ctx->set_default_verify_paths();
        if (!ca_file.empty()) {
            boost::system::error_code ec;
            impl_->ctx->load_verify_file(ca_file, ec);
            if (ec)
                throw std::invalid_argument("cannot read the CA file '" + ca_file + "': " + ec.message());
        }
        impl_->ctx->set_verify_mode(ssl::verify_peer);
    }
}

http_fetcher::~http_fetcher() = default;

std::string const& http_fetcher::host() const
{
    return impl_->host;
}

std::string const& http_fetcher::path() const
{
    return impl_->path;
}

void http_fetcher::reset()
{
    impl_->plain.reset();
    impl_->secure.reset();
    impl_->buffer.clear();
}

asio::awaitable<fetch_result> http_fetcher::fetch(fetch_request req)
{
    auto& d = *impl_;
    fetch_result out;
    for (int attempt = 0; attempt < 2; ++attempt) {
        bool reused = d.connected();
        if (!reused) {
            // Connect (and shake hands) afresh.
            tcp::resolver resolver(d.ex);
            auto [rec, endpoints] = co_await resolver.async_resolve(d.host, d.port, use_tuple);
            if (rec) {
                out.error = "cannot resolve " + d.host + ": " + rec.message();
                co_return out;
            }
            if (d.tls) {
                d.secure.emplace(d.ex, *d.ctx);
                // SNI, and the certificate must name this host.
                if (!SSL_set_tlsext_host_name(d.secure->native_handle(), d.host.c_str())) {
                    out.error = "cannot set the TLS server name";
                    reset();
                    co_return out;
                }
                d.secure->set_verify_callback(ssl::host_name_verification(d.host));
            } else {
                d.plain.emplace(d.ex);
            }
            d.lowest().expires_after(d.timeout);
            auto [cec, ep] = co_await d.lowest().async_connect(endpoints, use_tuple);
            if (cec) {
                out.error = "cannot connect to " + d.host + ":" + d.port + ": " + cec.message();
                reset();
                co_return out;
            }
            if (d.tls) {
                d.lowest().expires_after(d.timeout);
                auto [hec] = co_await d.secure->async_handshake(ssl::stream_base::client, use_tuple);
                if (hec) {
                    out.error = "TLS handshake with " + d.host + " failed: " + hec.message();
                    reset();
                    co_return out;
                }
            }
        }
        http::request<http::string_body> r{http::string_to_verb(req.method), req.target.empty() ? d.path : req.target, 11};
        r.set(http::field::host, d.host);
        r.set(http::field::user_agent, "electd/0.1");
        for (auto const& [k, v] : req.headers)
            r.set(k, v);
        r.body() = req.body;
        r.prepare_payload();
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        d.lowest().expires_after(d.timeout);
        boost::system::error_code ec;
        if (d.tls) {
            auto [wec, wn] = co_await http::async_write(*d.secure, r, use_tuple);
            ec = wec;
            if (!ec) {
                auto [rec2, rn] = co_await http::async_read(*d.secure, d.buffer, parser, use_tuple);
                ec = rec2;
            }
        } else {
            auto [wec, wn] = co_await http::async_write(*d.plain, r, use_tuple);
            ec = wec;
            if (!ec) {
                auto [rec2, rn] = co_await http::async_read(*d.plain, d.buffer, parser, use_tuple);
                ec = rec2;
            }
        }
        if (ec) {
            reset();
            // A kept-alive connection the server had closed: try once more on a new one.
            if (reused && ec != beast::error::timeout)
                continue;
            out.error = ec == beast::error::timeout ? "no answer from " + d.host + " within "
                                                          + std::to_string(d.timeout.count()) + " ms"
                                                    : "request to " + d.host + " failed: " + ec.message();
            co_return out;
        }
        auto& res = parser.get();
        fetch_response response;
        response.status = static_cast<int>(res.result_int());
        response.body = std::move(res.body());
        for (auto const& f : res)
            response.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        if (!res.keep_alive())
            reset();
        out.response = std::move(response);
        co_return out;
    }
    co_return out;
}

} // namespace electd::feeds
