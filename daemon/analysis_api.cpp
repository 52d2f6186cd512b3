#include "daemon/analysis_api.hpp"

#include "core/json_views.hpp"
#include "daemon/query.hpp"
#include "daemon/read_api.hpp"
#include "daemon/stream_filter.hpp"
#include "feeds/model_files.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace electd::daemon {
namespace http = boost::beast::http;
using boost::asio::awaitable;

namespace {

reply invalid_model(feeds::model_parse_result const& parsed)
{
    if (parsed.malformed)
        return error_reply(http::status::bad_request, "malformed_json", *parsed.malformed);
    std::string out;
    core::json_writer w(out);
    w.begin_object().field("error", "validation_failed");
    w.field("message", std::to_string(parsed.problems.size()) + " problems with this model; nothing was stored");
    w.key("problems").begin_array();
    for (auto const& p : parsed.problems)
        w.begin_object().field("field", p.field).field("message", p.message).end_object();
    w.end_array().end_object();
    return json_reply(http::status::unprocessable_entity, std::move(out));
}

awaitable<reply> store_model(tracker& t, feeds::model_parse_result parsed, http_request& req)
{
    if (!parsed.value)
        co_return invalid_model(parsed);
    model_request mr;
    mr.model = std::move(parsed.value);
    mr.payload = std::move(req.body());
    mr.source = "admin upload";
    mr.received_at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto outcome = co_await t.async_put_model(std::move(mr), boost::asio::use_awaitable);
    if (!outcome.stored) {
        auto rep = error_reply(http::status::service_unavailable, "unavailable", outcome.message);
        rep.headers.emplace_back(http::field::retry_after, "1");
        co_return rep;
    }
    std::string out;
    core::json_writer w(out);
    w.begin_object().field("status", outcome.replaced ? "replaced" : "created");
    w.key("model").raw(*outcome.summary_json);
    w.key("alerts").begin_array();
    for (auto const& a : outcome.alerts)
        w.raw(*a);
    w.end_array().end_object();
    co_return json_reply(outcome.replaced ? http::status::ok : http::status::created, std::move(out));
}

bool valid_model_name(std::string const& name)
{
    return !name.empty() && name.size() <= 64
           && std::all_of(name.begin(), name.end(), [](char c) {
                  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
              });
}

} // namespace

void add_analysis_routes(router& r, tracker& t)
{
    r.add(http::verb::get, "/v1/alerts", [&t](route_match& m) -> awaitable<reply> {
        query_params q(m.query);
        auto since = q.integer("since", 0, 0, std::numeric_limits<std::int64_t>::max());
        auto limit = static_cast<std::size_t>(q.integer("limit", 100, 1, 1000));
        auto filter = filter_from_query(q, false).alert;
        auto last = t.alerts().last_seq();
        auto found = t.alerts().after(since, filter, limit);
        std::string out;
        out.reserve(found.size() * 400 + 100);
        core::json_writer w(out);
        w.begin_object().key("alerts").begin_array();
        for (auto const& a : found)
            w.raw(*a->json);
        w.end_array();
        // Paging: ask again with since=next_since; `more` says whether anything newer matched.
        auto next = found.empty() ? std::max(since, std::int64_t{0}) : found.back()->seq;
        bool more = found.size() == limit && !t.alerts().after(next, filter, 1).empty();
        w.field("last_seq", last).field("next_since", found.size() == limit ? next : std::max(next, last));
        w.field("more", more).end_object();
        co_return json_reply(http::status::ok, std::move(out));
    });

    add_cached(r, t, "/v1/exit-poll", [](route_match&, snapshot const& s) {
        if (auto json = s.model_json("exit_poll"))
            return shared_json_reply(json);
        return error_reply(http::status::not_found, "not_found", "no exit poll is loaded yet (PUT /v1/admin/models/exit_poll)");
    });

    add_cached(r, t, "/v1/projections", [](route_match&, snapshot const& s) {
        return shared_json_reply(s.cached("projections", [&] {
            std::string out;
            core::json_writer w(out);
            w.begin_object().field("declared", s.totals().declared).key("models").begin_array();
            for (auto const& [name, json] : s.model_summaries())
                w.raw(*json);
            w.end_array().end_object();
            return out;
        }));
    });

    add_cached(r, t, "/v1/projections/{name}", [](route_match& m, snapshot const& s) {
        if (auto json = s.model_json(m.params[0]))
            return shared_json_reply(json);
        return error_reply(http::status::not_found, "not_found", "no model named '" + m.params[0] + "'");
    });

    // A uniform national swing computed on request: ?RUK=10.6&Con=-10.6 (points).
    r.add(http::verb::get, "/v1/scenarios/uniform-swing", [&t](route_match& m) -> awaitable<reply> {
        auto snap = t.current();
        auto const& ref = *snap->reference();
        query_params q(m.query);
        std::vector<std::pair<core::party_id, double>> changes;
        for (auto const& [key, value] : q.all()) {
            if (key == "access_token")
                continue; // the router's, not a party
            auto p = ref.parties.find(key);
            if (!p)
                throw bad_parameter("unknown party '" + key + "' (give national changes in points, e.g. ?RUK=10.6&Con=-10.6)");
            try {
                std::size_t used = 0;
                auto v = std::stod(value, &used);
                if (used != value.size() || v < -100 || v > 100)
                    throw std::invalid_argument(value);
                changes.emplace_back(*p, v);
            } catch (std::exception const&) {
                throw bad_parameter("'" + key + "' must be a change in points between -100 and 100, not '" + value + "'");
            }
        }
        auto model = core::uniform_swing(ref, "uniform-swing", "Uniform national swing", changes);
        std::vector<bool> all(ref.seat_count(), true);
        auto seats = core::expected_seats(model, ref.parties.size(), all);
        auto before = core::national_baseline_shares(ref);
        std::vector<core::party_id> order;
        for (core::party_id p = 0; p < seats.size(); ++p)
            if (seats[p] > 0 || before[p] > 0)
                order.push_back(p);
        std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return seats[a] > seats[b]; });
        std::string out;
        core::json_writer w(out);
        w.begin_object().key("changes").begin_object();
        for (auto const& [p, v] : changes)
            w.field(ref.parties[p].code, v, 2);
        w.end_object().field("baseline", ref.info.baseline_name).key("parties").begin_array();
        for (auto p : order) {
            auto share_change = std::find_if(changes.begin(), changes.end(), [&](auto const& c) { return c.first == p; });
            w.begin_object().field("party", ref.parties[p].code).field("seats", static_cast<std::int64_t>(seats[p]));
            w.field("baseline_share", before[p], 2);
            w.field("share", before[p] + (share_change == changes.end() ? 0.0 : share_change->second), 2).end_object();
        }
        w.end_array().end_object();
        co_return json_reply(http::status::ok, std::move(out));
    });

    r.add(http::verb::put, "/v1/admin/models/{name}", [&t](route_match& m) -> awaitable<reply> {
        auto const& name = m.params[0]; // the router has checked the admin token
        if (!valid_model_name(name))
            co_return error_reply(http::status::bad_request, "bad_name",
                                  "a model name is 1-64 characters of a-z, 0-9, '-' and '_'");
        auto parsed = feeds::parse_model_json(name, m.request.body(), *t.current()->reference());
        co_return co_await store_model(t, std::move(parsed), m.request); // a named value: see http_server.cpp
    });

    r.add(http::verb::put, "/v1/admin/scenarios/{name}", [&t](route_match& m) -> awaitable<reply> {
        auto const& name = m.params[0];
        if (!valid_model_name(name))
            co_return error_reply(http::status::bad_request, "bad_name",
                                  "a scenario name is 1-64 characters of a-z, 0-9, '-' and '_'");
        auto parsed = feeds::parse_scenario_json("scenario:" + name, m.request.body(), *t.current()->reference());
        co_return co_await store_model(t, std::move(parsed), m.request);
    });
}

} // namespace electd::daemon
