#pragma once
// Maps requests to handlers. The route table is also what the API documentation is checked
// against. Thread-safe after construction (handlers only read shared state).
#include "daemon/reply.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace electd::daemon {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;

struct route_match {
    http_request& request;
    std::string_view path;
    std::string_view query;
    std::vector<std::string> params; // the {placeholders} of the pattern, in order
};

using handler = std::function<boost::asio::awaitable<reply>(route_match&)>;

struct route {
    boost::beast::http::verb method;
    std::string pattern; // "/v1/constituencies/{ons_code}"
    handler fn;
};

class router {
public:
    void add(boost::beast::http::verb method, std::string pattern, handler fn);
    boost::asio::awaitable<reply> handle(http_request& req) const;
    std::vector<route> const& routes() const { return routes_; }

private:
    std::vector<route> routes_;
};

/// Splits "/a/b?x=1" into path and query; percent-decoding is left to the handlers.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

} // namespace electd::daemon
