#pragma once
// A small blocking HTTP/1.1 client with keep-alive, for the command-line tools and tests.
// Not thread-safe: one client per thread.
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace electd::cli {

struct http_answer {
    int status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::string> header(std::string_view name) const;
};

class http_client {
public:
    /// `base_url` like "http://127.0.0.1:8080" (a path prefix is not supported).
    explicit http_client(std::string const& base_url, std::chrono::seconds timeout = std::chrono::seconds(30));
    ~http_client();

    /// Sends one request, reconnecting once if a kept-alive connection was closed meanwhile.
    /// Throws boost::system::system_error when the server cannot be reached.
    http_answer request(std::string_view method, std::string const& target, std::string const& body = {},
                        std::string const& content_type = "application/json",
                        std::vector<std::pair<std::string, std::string>> const& headers = {});
    http_answer get(std::string const& target) { return request("GET", target); }
    http_answer post_json(std::string const& target, std::string const& body)
    {
        return request("POST", target, body, "application/json");
    }
    void close();
    /// Sends `Authorization: Bearer TOKEN` with every request from now on (empty: none).
    void set_token(std::string token) { token_ = std::move(token); }
    std::string const& host() const { return host_; }
    std::string const& port() const { return port_; }

private:
    void connect();
    boost::asio::io_context ioc_;
    std::optional<boost::beast::tcp_stream> stream_;
    std::string host_, port_;
    std::chrono::seconds timeout_;
    std::string token_;
};

} // namespace electd::cli
