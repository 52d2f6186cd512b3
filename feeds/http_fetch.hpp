#pragma once
// An outgoing HTTP/1.1 client for feed pollers and webhooks: http and https (certificates
// verified, with an extra CA file if given), one kept-alive connection, a timeout per request.
// Not thread-safe: one fetcher per task, used from one strand.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace electd::feeds {

struct fetch_request {
    std::string method = "GET";
    std::string target; // path and query; empty: the URL's own
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

struct fetch_response {
    int status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::string> header(std::string_view name) const;
};

struct fetch_result {
    std::optional<fetch_response> response; // set when a response arrived, whatever its status
    std::string error;                      // otherwise: why not (connect, TLS, timeout, ...)
};

class http_fetcher {
public:
    /// `url` like https://example.org:8443/hooks/electd. Throws std::invalid_argument if it
    /// is not an http(s) URL, or the CA file cannot be read.
    http_fetcher(boost::asio::any_io_executor ex, std::string const& url, std::string const& ca_file = {},
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~http_fetcher();

    boost::asio::awaitable<fetch_result> fetch(fetch_request req);
    /// Drops the kept-alive connection (the next fetch connects again).
    void reset();

    std::string const& host() const;
    std::string const& path() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace electd::feeds
