#include "daemon/read_api.hpp"

#include "core/json_views.hpp"
#include "core/json_writer.hpp"
#include "daemon/query.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace electd::daemon {
namespace http = boost::beast::http;
using boost::asio::awaitable;

namespace {

// If-None-Match may list several tags, weak or strong, or be "*".
bool etag_matches(std::string_view header, std::string const& etag)
{
    while (!header.empty()) {
        auto comma = header.find(',');
        auto tag = header.substr(0, comma);
        while (!tag.empty() && tag.front() == ' ')
            tag.remove_prefix(1);
        while (!tag.empty() && tag.back() == ' ')
            tag.remove_suffix(1);
        if (tag.starts_with("W/"))
            tag.remove_prefix(2);
        if (tag == "*" || tag == etag)
            return true;
        if (comma == std::string_view::npos)
            break;
        header.remove_prefix(comma + 1);
    }
    return false;
}

std::string csv_field(std::string_view s)
{
    if (s.find_first_of(",\"\n\r") == std::string_view::npos)
        return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string number(std::optional<double> v, int decimals = 2)
{
    return v ? core::format_decimal(*v, decimals) : std::string();
}

reply csv_reply(shared_text body)
{
    return reply{http::status::ok, std::move(body), "text/csv; charset=utf-8"};
}

// --- graphics shapes: flat, one object (or CSV row) per line of an on-screen board --------

std::string graphics_totals_json(snapshot const& s)
{
    auto const& t = s.totals();
    auto const& ref = *s.reference();
    std::string out;
    core::json_writer w(out);
    w.begin_object().field("seq", s.state_seq()).field("declared", t.declared).field("total_seats", t.total_seats);
    w.field("majority_line", t.majority_line).key("lines").begin_array();
    for (auto const& p : t.parties) {
        auto const& party = ref.parties[p.party];
        w.begin_object().field("party", party.code).field("name", party.name).field("colour", party.colour);
        w.field("seats", p.seats).field("gains", p.gains).field("losses", p.losses).field("net", p.gains - p.losses);
        w.field("votes", p.votes).field("share", p.share, 1).field("share_change", p.share_change, 1).end_object();
    }
    w.end_array().end_object();
    return out;
}

std::string graphics_totals_csv(snapshot const& s)
{
    auto const& t = s.totals();
    auto const& ref = *s.reference();
    std::string out = "party,name,colour,seats,gains,losses,net,votes,share,share_change,declared,total_seats,majority_line\n";
    for (auto const& p : t.parties) {
        auto const& party = ref.parties[p.party];
        out += csv_field(party.code) + "," + csv_field(party.name) + "," + party.colour + "," + std::to_string(p.seats) + ","
               + std::to_string(p.gains) + "," + std::to_string(p.losses) + "," + std::to_string(p.gains - p.losses) + ","
               + std::to_string(p.votes) + "," + number(p.share, 1) + "," + number(p.share_change, 1) + ","
               + std::to_string(t.declared) + "," + std::to_string(t.total_seats) + "," + std::to_string(t.majority_line)
               + "\n";
    }
    return out;
}

std::string graphics_seat(snapshot const& s, core::seat_index i, bool csv)
{
    auto const& ref = *s.reference();
    auto const& view = *s.seats()[i];
    auto const& c = ref.seat(i);
    auto const& r = view.result();
    std::string out;
    if (csv) {
        out = "ons_code,name,status,text,position,candidate,party,party_name,colour,votes,share,share_change,elected,"
              "majority,turnout\n";
        if (!r)
            return out;
        int pos = 0;
        for (auto const& cand : r->candidates) {
            ++pos;
            auto const& p = ref.parties[cand.party];
            out += c.ons_code + "," + csv_field(c.name) + "," + view.status() + "," + csv_field(r->text) + ","
                   + std::to_string(pos) + "," + csv_field(cand.name) + "," + csv_field(p.code) + "," + csv_field(p.name)
                   + "," + p.colour + "," + std::to_string(cand.votes) + "," + number(cand.share, 1) + ","
                   + number(cand.share_change, 1) + "," + (pos == 1 ? "1" : "0") + "," + std::to_string(r->majority) + ","
                   + number(r->turnout, 1) + "\n";
        }
        return out;
    }
    core::json_writer w(out);
    w.begin_object().field("seq", s.state_seq()).field("ons_code", c.ons_code).field("name", c.name);
    w.field("status", view.status());
    if (r) {
        auto const& winner = ref.parties[r->winner];
        w.field("text", r->text).field("winner", winner.code).field("winner_colour", winner.colour).field("gain", r->gain);
        w.field("majority", r->majority).field("turnout", r->turnout, 1);
    }
    w.key("lines").begin_array();
    if (r) {
        int pos = 0;
        for (auto const& cand : r->candidates) {
            ++pos;
            auto const& p = ref.parties[cand.party];
            w.begin_object().field("position", ++pos).field("candidate", cand.name).field("party", p.code);
            w.field("party_name", p.name).field("colour", p.colour).field("votes", cand.votes);
            w.field("share", cand.share, 1).field("share_change", cand.share_change, 1).field("elected", pos == 1);
            w.end_object();
        }
    }
    w.end_array().end_object();
    return out;
}

std::string graphics_latest(snapshot const& s, std::size_t n, bool csv)
{
    auto const& ref = *s.reference();
    // The most recently declared seats: by the seq of their current revision.
    std::vector<std::pair<std::int64_t, core::seat_index>> order;
    for (auto const& v : s.seats()) {
        if (!v->result())
            continue;
        std::int64_t seq = 0;
        for (auto const& r : v->revisions())
            if (r.revision == v->revision())
                seq = std::max(seq, r.seq);
        order.emplace_back(seq, v->seat());
    }
    std::sort(order.rbegin(), order.rend());
    if (order.size() > n)
        order.resize(n);
    std::string out = csv ? "seq,ons_code,name,text,winner,colour,gain,majority,declared_at\n" : std::string();
    core::json_writer w(out);
    if (!csv)
        w.begin_object().field("seq", s.state_seq()).key("lines").begin_array();
    for (auto const& [seq, i] : order) {
        auto const& v = *s.seats()[i];
        auto const& r = *v.result();
        auto const& winner = ref.parties[r.winner];
        std::string declared_at;
        for (auto const& rev : v.revisions())
            if (rev.seq == seq)
                declared_at = core::format_rfc3339(rev.declared_at.utc, rev.declared_at.offset_minutes);
        if (csv) {
            out += std::to_string(seq) + "," + ref.seat(i).ons_code + "," + csv_field(ref.seat(i).name) + ","
                   + csv_field(r.text) + "," + csv_field(winner.code) + "," + winner.colour + "," + (r.gain ? "1" : "0")
                   + "," + std::to_string(r.majority) + "," + declared_at + "\n";
        } else {
            w.begin_object().field("seq", seq).field("ons_code", ref.seat(i).ons_code).field("name", ref.seat(i).name);
            w.field("text", r.text).field("winner", winner.code).field("colour", winner.colour).field("gain", r.gain);
            w.field("majority", r.majority).field("declared_at", declared_at).end_object();
        }
    }
    if (!csv)
        w.end_array().end_object();
    return out;
}

std::string strip_csv(std::string s)
{
    if (s.ends_with(".csv"))
        s.resize(s.size() - 4);
    return s;
}

} // namespace

bool wants_csv(route_match const& m)
{
    auto accept = m.request[http::field::accept];
    return m.path.ends_with(".csv") || accept.find("text/csv") != std::string_view::npos;
}

void add_cached(router& r, tracker& t, std::string pattern, snapshot_handler fn, cache_rules rules)
{
    r.add(http::verb::get, std::move(pattern), [&t, fn = std::move(fn), rules](route_match& m) -> awaitable<reply> {
        query_params q(m.query);
        auto wait = std::chrono::seconds(q.integer("wait", 0, 0, 300));
        std::optional<std::int64_t> since;
        if (rules.since_is_state && q.get("since"))
            since = q.integer("since", 0, 0, std::numeric_limits<std::int64_t>::max());
        std::string if_none_match(m.request[http::field::if_none_match]);
        auto is_current = [&](snapshot const& s) {
            return (!if_none_match.empty() && etag_matches(if_none_match, s.etag())) || (since && *since >= s.state_seq());
        };
        auto snap = t.current();
        // Long-poll: hold a request that already has the current state until it changes.
        if (wait.count() > 0 && is_current(*snap)) {
            auto deadline = std::chrono::steady_clock::now() + wait;
            for (;;) {
                auto generation = t.watch().generation();
                snap = t.current(); // after reading the generation: no wake-up is lost
                auto left = deadline - std::chrono::steady_clock::now();
                if (!is_current(*snap) || left <= std::chrono::steady_clock::duration::zero())
                    break;
                co_await t.watch().wait(generation, std::chrono::duration_cast<std::chrono::milliseconds>(left));
            }
        }
        reply rep;
        if (!if_none_match.empty() && etag_matches(if_none_match, snap->etag()))
            rep.status = http::status::not_modified;
        else if (since && wait.count() > 0 && *since >= snap->state_seq())
            rep.status = http::status::not_modified; // the wait ended with nothing newer
        else
            rep = fn(m, *snap);
        if (rep.status == http::status::ok || rep.status == http::status::not_modified) {
            rep.headers.emplace_back(http::field::etag, snap->etag());
            rep.headers.emplace_back(http::field::cache_control, rules.cache_control);
            rep.headers.emplace_back(http::field::vary, "Accept");
            rep.custom_headers.emplace_back("X-Electd-Seq", std::to_string(snap->state_seq()));
        }
        co_return rep;
    });
}

void add_read_routes(router& r, tracker& t)
{
    add_cached(r, t, "/v1/totals", [](route_match&, snapshot const& s) { return shared_json_reply(s.totals_json()); });

    add_cached(r, t, "/v1/constituencies",
               [](route_match&, snapshot const& s) { return shared_json_reply(s.constituencies_json()); });

    add_cached(r, t, "/v1/constituencies/{ons_code}", [](route_match& m, snapshot const& s) {
        auto seat = s.reference()->find_ons(m.params[0]);
        if (!seat)
            return error_reply(http::status::not_found, "not_found", "no constituency with ONS code '" + m.params[0] + "'");
        return shared_json_reply(s.seats()[*seat]->detail_json());
    });

    for (auto const* path : {"/v1/graphics/totals", "/v1/graphics/totals.csv"})
        add_cached(r, t, path, [](route_match& m, snapshot const& s) {
            if (wants_csv(m))
                return csv_reply(s.cached("graphics/totals.csv", [&] { return graphics_totals_csv(s); }));
            return shared_json_reply(s.cached("graphics/totals", [&] { return graphics_totals_json(s); }));
        });

    add_cached(r, t, "/v1/graphics/seat/{ons_code}", [](route_match& m, snapshot const& s) {
        auto ons = strip_csv(m.params[0]);
        auto seat = s.reference()->find_ons(ons);
        if (!seat)
            return error_reply(http::status::not_found, "not_found", "no constituency with ONS code '" + ons + "'");
        bool csv = wants_csv(m);
        auto body = s.cached("graphics/seat/" + ons + (csv ? ".csv" : ""), [&] { return graphics_seat(s, *seat, csv); });
        return csv ? csv_reply(body) : shared_json_reply(body);
    });

    for (auto const* path : {"/v1/graphics/latest", "/v1/graphics/latest.csv"})
        add_cached(r, t, path, [](route_match& m, snapshot const& s) {
            query_params q(m.query);
            auto n = static_cast<std::size_t>(q.integer("n", 10, 1, 650));
            bool csv = wants_csv(m);
            auto body = s.cached("graphics/latest/" + std::to_string(n) + (csv ? ".csv" : ""),
                                 [&] { return graphics_latest(s, n, csv); });
            return csv ? csv_reply(body) : shared_json_reply(body);
        });

    r.add(http::verb::get, "/healthz", [](route_match&) -> awaitable<reply> {
        co_return json_reply(http::status::ok, R"({"status":"ok"})");
    });
}

} // namespace electd::daemon
