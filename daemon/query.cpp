#include "daemon/query.hpp"

#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include <charconv>

namespace electd::daemon {

query_params::query_params(std::string_view query_text)
{
    // Boost.URL 1.81 read past the end of a view that is not NUL-terminated; parse a copy.
    std::string const query(query_text);
    auto parsed = boost::urls::parse_query(query);
    if (!parsed)
        throw bad_parameter("the query string is malformed: " + parsed.error().message());
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true; // what HTML forms send
    for (auto const& p : boost::urls::params_view(query, opts)) // decoded copies
        params_.emplace(p.key, p.value);
}

std::optional<std::string> query_params::get(std::string const& name) const
{
    auto it = params_.find(name);
    if (it == params_.end())
        return std::nullopt;
    return it->second;
}

std::int64_t query_params::integer(std::string const& name, std::int64_t fallback, std::int64_t min,
                                   std::int64_t max) const
{
    auto v = get(name);
    if (!v || v->empty())
        return fallback;
    std::int64_t out = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || ptr != v->data() + v->size())
        throw bad_parameter("'" + name + "' must be an integer, not '" + *v + "'");
    if (out < min || out > max)
        throw bad_parameter("'" + name + "' must be between " + std::to_string(min) + " and " + std::to_string(max));
    return out;
}

std::set<std::string> query_params::list(std::string const& name) const
{
    std::set<std::string> out;
    auto [from, to] = params_.equal_range(name);
    for (auto it = from; it != to; ++it) {
        std::string_view rest = it->second;
        while (!rest.empty()) {
            auto comma = rest.find(',');
            auto item = rest.substr(0, comma);
            if (!item.empty())
                out.emplace(item);
            if (comma == std::string_view::npos)
                break;
            rest.remove_prefix(comma + 1);
        }
    }
    return out;
}

bool query_params::flag(std::string const& name) const
{
    auto v = get(name);
    return v && (v->empty() || *v == "true" || *v == "1");
}

} // namespace electd::daemon
