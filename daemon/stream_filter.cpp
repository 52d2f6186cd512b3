#include "daemon/stream_filter.hpp"

#include "core/alert.hpp"

#include <algorithm>

namespace electd::daemon {
namespace {

constexpr char const* known_types[] = {
    core::alert_type::gain,       core::alert_type::hold,           core::alert_type::exit_poll_upset,
    core::alert_type::projection_miss, core::alert_type::watchlist, core::alert_type::bellwether,
    core::alert_type::target,     core::alert_type::notable_defeat, core::alert_type::first_seat,
    core::alert_type::majority,   core::alert_type::recount,        core::alert_type::correction,
    core::alert_type::retraction, core::alert_type::record,         core::alert_type::milestone,
    core::alert_type::exit_poll,  core::alert_type::rush,           core::alert_type::sop_mismatch,
    core::alert_type::feed_stalled, core::alert_type::feed_resumed};

// `types` may name message kinds (alert, result, totals) and alert types; alert types alone
// mean "only these alerts".
void apply_types(stream_filter& f, std::set<std::string> const& types, bool kinds_allowed)
{
    if (types.empty())
        return;
    bool any_kind = false;
    std::set<std::string> alert_types;
    for (auto const& t : types) {
        if (kinds_allowed && (t == "alert" || t == "result" || t == "totals")) {
            any_kind = true;
        } else if (is_alert_type(t)) {
            alert_types.insert(t);
        } else {
            throw bad_parameter("unknown type '" + t + "'" + (kinds_allowed ? " (alert, result, totals or an alert type)" : ""));
        }
    }
    if (any_kind) {
        f.alerts = types.count("alert") || !alert_types.empty();
        f.results = types.count("result") > 0;
        f.totals = types.count("totals") > 0;
    } else if (kinds_allowed) {
        f.results = f.totals = false;
    }
    f.alert.types = std::move(alert_types);
}

core::severity severity_of(std::string const& s)
{
    auto level = core::severity_from(s);
    if (!level)
        throw bad_parameter("'min_severity' must be info, low, medium, high or critical, not '" + s + "'");
    return *level;
}

std::set<std::string> strings(boost::json::object const& o, char const* key)
{
    std::set<std::string> out;
    auto const* v = o.if_contains(key);
    if (!v || v->is_null())
        return out;
    if (v->is_string()) {
        out.emplace(v->get_string());
        return out;
    }
    if (!v->is_array())
        throw bad_parameter(std::string("'") + key + "' must be an array of strings");
    for (auto const& e : v->get_array()) {
        if (!e.is_string())
            throw bad_parameter(std::string("'") + key + "' must be an array of strings");
        out.emplace(e.get_string());
    }
    return out;
}

} // namespace

bool is_alert_type(std::string_view t)
{
    return std::any_of(std::begin(known_types), std::end(known_types), [&](char const* k) { return t == k; });
}

bool stream_filter::wants_result(std::string const& ons, std::string const& region, bool watched,
                                 std::vector<std::string> const& parties) const
{
    if (!results)
        return false;
    auto const& a = alert;
    if (!a.regions.empty() && !a.regions.count(region))
        return false;
    if (!a.constituencies.empty() && !a.constituencies.count(ons))
        return false;
    if (a.watchlist_only && !watched)
        return false;
    if (!a.parties.empty()
        && std::none_of(parties.begin(), parties.end(), [&](std::string const& p) { return a.parties.count(p) > 0; }))
        return false;
    return true;
}

stream_filter filter_from_query(query_params const& q, bool kinds_allowed)
{
    stream_filter f;
    apply_types(f, q.list("type"), kinds_allowed);
    if (auto s = q.get("min_severity"))
        f.alert.min_level = severity_of(*s);
    f.alert.regions = q.list("region");
    f.alert.parties = q.list("party");
    f.alert.constituencies = q.list("constituency");
    f.alert.watchlist_only = q.flag("watchlist");
    return f;
}

stream_filter filter_from_json(boost::json::object const& o)
{
    stream_filter f;
    apply_types(f, strings(o, "types"), true);
    if (auto const* s = o.if_contains("min_severity"); s && !s->is_null()) {
        if (!s->is_string())
            throw bad_parameter("'min_severity' must be a string");
        f.alert.min_level = severity_of(std::string(s->get_string()));
    }
    f.alert.regions = strings(o, "regions");
    f.alert.parties = strings(o, "parties");
    f.alert.constituencies = strings(o, "constituencies");
    if (auto const* w = o.if_contains("watchlist"); w && !w->is_null()) {
        if (!w->is_bool())
            throw bad_parameter("'watchlist' must be true or false");
        f.alert.watchlist_only = w->get_bool();
    }
    return f;
}

} // namespace electd::daemon
