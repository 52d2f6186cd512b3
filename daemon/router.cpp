#include "daemon/router.hpp"

#include "daemon/query.hpp"
#include "support/log.hpp"

#include <cctype>

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

// "access%5Ftoken" names the token too.
std::string percent_decoded(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) && hex(s[i + 2])) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

} // namespace

std::pair<std::string_view, std::string_view> split_target(std::string_view target)
{
    auto q = target.find('?');
    if (q == std::string_view::npos)
        return {target, {}};
    return {target.substr(0, q), target.substr(q + 1)};
}

std::string redact_target(std::string_view target)
{
    auto q = target.find('?');
    if (q == std::string_view::npos)
        return std::string(target);
    std::string out(target.substr(0, q + 1));
    auto query = target.substr(q + 1);
    // Pair by pair on the raw text, so even a query the handlers would refuse is redacted.
    for (;;) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        auto eq = pair.find('=');
        // access_token authenticates; token is the dashboard's own (/?token=...), read by its script.
        auto name = eq == std::string_view::npos ? std::string() : percent_decoded(pair.substr(0, eq));
        if (name == "access_token" || name == "token") {
            out += pair.substr(0, eq + 1);
            out += "REDACTED";
        } else {
            out += pair;
        }
        if (amp == std::string_view::npos)
            return out;
        out += '&';
        query.remove_prefix(amp + 1);
    }
}

std::optional<role> role_for(http::verb method, std::string_view path)
{
    if (path == "/healthz" || path == "/readyz" || path == "/" || path.starts_with("/web/"))
        return std::nullopt;
    if (path.starts_with("/v1/admin/"))
        return role::admin;
    if (method == http::verb::get || method == http::verb::head)
        return role::read;
    return role::ingest;
}

void router::add(http::verb method, std::string pattern, handler fn)
{
    auto needs = role_for(method, pattern);
    routes_.push_back({method, std::move(pattern), std::move(fn), needs});
}

std::optional<reply> router::refuse(http_request const& req, std::optional<role> needs, std::string* token_name) const
{
    if (!needs || !auth_)
        return std::nullopt;
    auto log = module_logger("http");
    // Admin needs a token even on a developer's machine: uploads change the night's figures.
    if (*needs == role::admin && !auth_->admin_enabled()) {
        ++rejections_.admin_disabled;
        return error_reply(http::status::forbidden, "admin_disabled",
                           "admin endpoints are off: configure an admin token (--admin-token, ELECTD_ADMIN_TOKEN or "
                           "[[tokens]] in the configuration)");
    }
    std::string authorization(req[http::field::authorization]);
    if (authorization.empty()) {
        // EventSource cannot send headers: a token may come as ?access_token= instead.
        auto [path, query] = split_target(req.target());
        try {
            if (auto t = query_params(query).get("access_token"))
                authorization = "Bearer " + *t;
        } catch (bad_parameter const&) {
        }
    }
    auto d = auth_->check(authorization, *needs);
    if (token_name)
        *token_name = d.token_name;
    // Built only for a refusal; the target is redacted, as it may carry the token itself.
    auto what = [&req] {
        return std::string(req.method_string()) + " " + redact_target(req.target()) + " (req="
               + std::string(request_id(req)) + ")";
    };
    switch (d.outcome) {
    case verdict::allowed:
        return std::nullopt;
    case verdict::unauthenticated: {
        ++rejections_.unauthenticated;
        log->warn("refused {}: no valid token", what());
        auto rep = error_reply(http::status::unauthorized, "unauthorized",
                               std::string("this needs a token with the ") + to_string(*needs)
                                   + " role: send 'Authorization: Bearer <token>'");
        rep.headers.emplace_back(http::field::www_authenticate, "Bearer realm=\"electd\"");
        return rep;
    }
    case verdict::forbidden:
        ++rejections_.forbidden;
        log->warn("refused {}: token '{}' lacks the {} role", what(), d.token_name, to_string(*needs));
        return error_reply(http::status::forbidden, "forbidden",
                           "token '" + d.token_name + "' does not have the " + to_string(*needs) + " role");
    case verdict::rate_limited: {
        ++rejections_.rate_limited;
        log->warn("refused {}: token '{}' over its request rate", what(), d.token_name);
        auto rep = error_reply(http::status::too_many_requests, "rate_limited",
                               "token '" + d.token_name + "' is over its request rate; slow down");
        rep.headers.emplace_back(http::field::retry_after, "1");
        return rep;
    }
    }
    return std::nullopt;
}

boost::asio::awaitable<reply> router::handle(http_request& req, std::string* token_name) const
{
    auto [path, query] = split_target(req.target());
    std::vector<std::string> params;
    std::string allowed;
    for (auto const& r : routes_) {
        if (!match(r.pattern, path, params))
            continue;
        if (r.method == req.method()) {
            if (auto refusal = refuse(req, r.needs, token_name))
                co_return std::move(*refusal);
            route_match m{req, path, query, std::move(params), request_id(req)};
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
