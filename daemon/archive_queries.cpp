#include "daemon/archive_queries.hpp"

#include "core/json_views.hpp"
#include "core/night_queries.hpp"

#include <stdexcept>

namespace electd::daemon {

std::vector<std::string> const& archive_queries()
{
    static std::vector<std::string> const names = {"totals", "seats", "gains", "closest", "swings",
                                                   "turnout", "regions", "alerts", "history"};
    return names;
}

namespace {

core::table totals_table(storage::archived_night const& night)
{
    auto t = night.state->current_totals();
    auto const& ref = *night.ref;
    core::table out{{"party", "name", "seats", "gains", "losses", "net", "votes", "share", "share_change"}, {}};
    for (auto const& p : t.parties)
        out.row({ref.parties[p.party].code, ref.parties[p.party].name, std::int64_t{p.seats}, std::int64_t{p.gains},
                 std::int64_t{p.losses}, std::int64_t{p.gains - p.losses}, p.votes, core::decimal{p.share, 2},
                 core::optional_decimal(p.share_change, 2)});
    return out;
}

core::table alerts_table(storage::archived_night const& night, alert_filter const& f)
{
    auto const& ref = *night.ref;
    core::table out{{"seq", "at", "type", "severity", "constituency", "parties", "text"}, {}};
    for (auto const& a : night.alerts) {
        alert_entry e;
        e.seq = a.seq;
        e.type = a.type;
        e.level = a.level;
        if (a.seat) {
            e.constituency = ref.seat(*a.seat).ons_code;
            e.region = ref.seat(*a.seat).region;
            for (auto const& w : ref.watchlist())
                e.watchlist = e.watchlist || w.seat == *a.seat;
        }
        std::string parties;
        for (auto p : a.parties) {
            e.parties.push_back(ref.parties[p].code);
            parties += (parties.empty() ? "" : " ") + ref.parties[p].code;
        }
        if (!f.matches(e))
            continue;
        out.row({a.seq, core::format_rfc3339(a.at.utc, a.at.offset_minutes), a.type, std::string(core::to_string(a.level)),
                 e.constituency, parties, a.text});
    }
    return out;
}

core::table history_table(std::string const& db_path, std::string const& ons)
{
    if (ons.empty())
        throw std::invalid_argument("history needs a constituency (its ONS code)");
    auto history = storage::seat_history(db_path, ons);
    core::table out{{"seq", "revision", "kind", "current", "declared_at", "received_at", "source", "result", "winner",
                     "majority", "valid_votes", "turnout"},
                    {}};
    for (auto const& h : history) {
        out.row({h.seq, std::int64_t{h.value.revision},
                 std::string(h.value.kind == core::declaration_kind::rush ? "rush" : "result"), h.current,
                 core::format_rfc3339(h.value.declared_at.utc, h.value.declared_at.offset_minutes),
                 core::format_rfc3339(core::from_unix_ms(h.received_at_ms)), h.source, h.result.text,
                 h.result.text.substr(0, h.result.text.find(' ')), h.result.majority, h.result.valid_votes,
                 core::optional_decimal(h.result.turnout, 1)});
    }
    return out;
}

} // namespace

core::table run_archive_query(std::string const& what, std::string const& db_path, archive_params const& p)
{
    if (what == "history")
        return history_table(db_path, p.constituency);
    auto const& names = archive_queries();
    if (std::find(names.begin(), names.end(), what) == names.end())
        throw std::invalid_argument("unknown query '" + what + "'");
    auto night = storage::load_night(db_path, p.as_of);
    auto const& s = *night.state;
    if (what == "totals")
        return totals_table(night);
    if (what == "seats")
        return core::seats_table(s);
    if (what == "gains")
        return core::gains_table(s, p.party, p.region);
    if (what == "closest")
        return core::closest_table(s, p.n);
    if (what == "swings")
        return core::swings_table(s, p.n);
    if (what == "turnout")
        return core::turnout_table(s, p.n, p.highest);
    if (what == "regions")
        return core::regions_table(s);
    return alerts_table(night, p.alerts);
}

std::string archive_totals_json(std::string const& db_path, std::optional<core::timestamp> as_of)
{
    auto night = storage::load_night(db_path, as_of);
    std::string out;
    core::json_writer w(out);
    w.begin_object().field("seq", night.state->last_seq());
    w.key("as_of");
    as_of ? w.value(core::format_rfc3339(*as_of)) : w.null();
    w.key("election").begin_object().field("name", night.ref->info.name).field("date", night.ref->info.date).end_object();
    w.key("totals");
    core::write_totals(w, night.state->current_totals(), *night.ref);
    w.end_object();
    return out;
}

} // namespace electd::daemon
