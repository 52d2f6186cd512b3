#pragma once
// Maps requests to handlers. The route table is also what the API documentation is checked
// against. Thread-safe after construction (handlers only read shared state).
#include "daemon/auth.hpp"
#include "daemon/reply.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <functional>
#include <optional>
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
    std::string_view request_id;     // for log lines about this request (see request_id())
};

using handler = std::function<boost::asio::awaitable<reply>(route_match&)>;

struct route {
    boost::beast::http::verb method;
    std::string pattern; // "/v1/constituencies/{ons_code}"
    handler fn;
    std::optional<role> needs; // nullopt: open to anyone (health checks, the dashboard's files)
};

/// The role a request needs by its method and path: /v1/admin/... admin, other writes ingest,
/// reads read; health checks and the dashboard's static files are open.
std::optional<role> role_for(boost::beast::http::verb method, std::string_view path);

/// Counts of refused requests by reason, each logged once as it happens. Thread-safe.
struct rejection_stats {
    std::atomic<std::uint64_t> unauthenticated{0}, forbidden{0}, rate_limited{0}, admin_disabled{0};
};

class router {
public:
    void add(boost::beast::http::verb method, std::string pattern, handler fn);
    /// Checks the request's token for the route's role first, when an authenticator is set.
    /// `token_name`, if given, learns who presented a known token (for the access log).
    boost::asio::awaitable<reply> handle(http_request& req, std::string* token_name = nullptr) const;
    std::vector<route> const& routes() const { return routes_; }
    void set_authenticator(authenticator* a) { auth_ = a; }

    /// The refusal for a request that may not pass, or nullopt. Also used by the push sessions.
    std::optional<reply> refuse(http_request const& req, std::optional<role> needs,
                                std::string* token_name = nullptr) const;
    rejection_stats& rejections() const { return rejections_; }

private:
    std::vector<route> routes_;
    authenticator* auth_ = nullptr;
    mutable rejection_stats rejections_;
};

/// Splits "/a/b?x=1" into path and query; percent-decoding is left to the handlers.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

/// The request's id: the HTTP session settles X-Request-Id on every request it reads (the
/// client's when well-formed, else a new one) before anything else sees it.
inline std::string_view request_id(http_request const& req)
{
    return req["X-Request-Id"];
}

/// The target fit for a log line: an access_token (or the dashboard's token) in the query
/// becomes "REDACTED".
std::string redact_target(std::string_view target);

} // namespace electd::daemon
