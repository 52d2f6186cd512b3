#include "cli/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <stdexcept>

namespace electd::cli {
namespace beast = boost::beast;
namespace http = beast::http;
using boost::asio::ip::tcp;

std::optional<std::string> http_answer::header(std::string_view name) const
{
    for (auto const& [k, v] : headers)
        if (beast::iequals(k, name))
            return v;
    return std::nullopt;
}

http_client::http_client(std::string const& base_url, std::chrono::seconds timeout) : timeout_(timeout)
{
    auto u = boost::urls::parse_uri(base_url);
    if (!u || u->scheme() != "http" || u->host().empty())
        throw std::invalid_argument("'" + base_url + "' is not an http:// URL such as http://127.0.0.1:8080");
    host_ = std::string(u->host());
    port_ = u->has_port() ? std::string(u->port()) : "80";
}

http_client::~http_client()
{
    close();
}

void http_client::close()
{
    if (stream_) {
        boost::system::error_code ec;
        stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
        stream_.reset();
    }
}

void http_client::connect()
{
    tcp::resolver resolver(ioc_);
    stream_.emplace(ioc_);
    stream_->expires_after(timeout_);
    stream_->connect(resolver.resolve(host_, port_));
    stream_->socket().set_option(tcp::no_delay(true));
}

http_answer http_client::request(std::string_view method, std::string const& target, std::string const& body,
                                 std::string const& content_type,
                                 std::vector<std::pair<std::string, std::string>> const& headers)
{
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host_ + ":" + port_);
    req.set(http::field::user_agent, "electd-cli");
    if (!token_.empty())
        req.set(http::field::authorization, "Bearer " + token_);
    for (auto const& [k, v] : headers)
        req.set(k, v);
    if (!body.empty() || method == "POST") {
        req.set(http::field::content_type, content_type);
        req.body() = body;
    }
    req.prepare_payload();

    for (int attempt = 0;; ++attempt) {
        bool reused = stream_.has_value();
        try {
            if (!stream_)
                connect();
            stream_->expires_after(timeout_);
            http::write(*stream_, req);
            beast::flat_buffer buffer;
            http::response_parser<http::string_body> parser;
            parser.body_limit(256 * 1024 * 1024);
            http::read(*stream_, buffer, parser);
            auto& res = parser.get();
            http_answer out;
            out.status = static_cast<int>(res.result_int());
            out.body = std::move(res.body());
            for (auto const& f : res)
                out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
            if (!res.keep_alive())
                close();
            return out;
        } catch (boost::system::system_error const&) {
            close();
            // A kept-alive connection the server closed meanwhile: try once on a fresh one.
            if (reused && attempt == 0)
                continue;
            throw;
        }
    }
}

} // namespace electd::cli
