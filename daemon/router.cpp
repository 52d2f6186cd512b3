#include "daemon/router.hpp"

#include "daemon/query.hpp"

namespace electd::daemon {
namespace http = boost::beast::http;

namespace {

// Matches one pattern segment by segment; "{name}" takes any non-empty segment.
bool match(std::string_view pattern, std::string_view path, std::vector<std::string>& params)
{
    params.clear();
    while (!pattern.empty() || !path.empty()) {
        if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/')
            return false;
        pattern.remove_prefix(1);
        path.remove_prefix(1);
        auto pe = pattern.find('/');
        auto se = path.find('/');
        auto pseg = pattern.substr(0, pe);
        auto sseg = path.substr(0, se);
        if (pseg.starts_with('{')) {
            if (sseg.empty())
                return false;
            params.emplace_back(sseg);
        } else if (pseg != sseg) {
            return false;
        }
        pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
        path = se == std::string_view::npos ? std::string_view() : path.substr(se);
    }
    return true;
}

} // namespace

std::pair<std::string_view, std::string_view> split_target(std::string_view target)
{
    auto q = target.find('?');
    if (q == std::string_view::npos)
        return {target, {}};
    return {target.substr(0, q), target.substr(q + 1)};
}

void router::add(http::verb method, std::string pattern, handler fn)
{
    routes_.push_back({method, std::move(pattern), std::move(fn)});
}

boost::asio::awaitable<reply> router::handle(http_request& req) const
{
    auto [path, query] = split_target(req.target());
    std::vector<std::string> params;
    std::string allowed;
    for (auto const& r : routes_) {
        if (!match(r.pattern, path, params))
            continue;
        if (r.method == req.method()) {
            route_match m{req, path, query, std::move(params)};
            std::optional<reply> refused;
            try {
                co_return co_await r.fn(m);
            } catch (bad_parameter const& e) {
                refused = error_reply(http::status::bad_request, "bad_parameter", e.what());
            }
            co_return std::move(*refused);
        }
        if (!allowed.empty())
            allowed += ", ";
        allowed += std::string(http::to_string(r.method));
    }
    if (!allowed.empty()) {
        auto rep = error_reply(http::status::method_not_allowed, "method_not_allowed",
                               std::string(req.method_string()) + " is not allowed here; use " + allowed);
        rep.headers.emplace_back(http::field::allow, allowed);
        co_return rep;
    }
    co_return error_reply(http::status::not_found, "not_found", "no endpoint at " + std::string(path));
}

} // namespace electd::daemon
