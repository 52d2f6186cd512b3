#include "daemon/archive_api.hpp"

#include "core/json_writer.hpp"
#include "daemon/archive_queries.hpp"
#include "daemon/query.hpp"
#include "daemon/read_api.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace electd::daemon {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::awaitable;

namespace {

archive_params read_params(query_params const& q)
{
    archive_params p;
    if (auto t = q.get("as_of")) {
        auto parsed = core::parse_rfc3339(*t);
        if (!parsed)
            throw bad_parameter("'as_of' must be an RFC 3339 time with an offset, e.g. 2024-07-05T02:00:00+01:00");
        p.as_of = parsed->utc;
    }
    p.n = static_cast<std::size_t>(q.integer("n", 20, 1, 10000));
    if (auto o = q.get("order")) {
        if (*o != "high" && *o != "low")
            throw bad_parameter("'order' must be high or low");
        p.highest = *o == "high";
    }
    p.party = q.get("party").value_or("");
    p.region = q.get("region").value_or("");
    p.alerts = filter_from_query(q, false).alert;
    return p;
}

// SQLite reads and replays run on the archive pool, then the answer goes back to the connection.
template <class F>
awaitable<reply> off_network(asio::thread_pool& pool, F work)
{
    auto home = co_await asio::this_coro::executor;
    co_await asio::post(pool.get_executor(), asio::use_awaitable);
    reply rep;
    try {
        rep = work();
    } catch (std::invalid_argument const& e) {
        rep = error_reply(http::status::not_found, "not_found", e.what());
    } catch (std::exception const& e) {
        rep = error_reply(http::status::internal_server_error, "archive_failed", e.what());
    }
    co_await asio::post(home, asio::use_awaitable);
    co_return rep;
}

} // namespace

void add_archive_routes(router& r, server_config const& cfg, asio::thread_pool& pool)
{
    auto const& db = cfg.db_path;
    r.add(http::verb::get, "/v1/archive/totals", [&db, &pool](route_match& m) -> awaitable<reply> {
        query_params q(m.query);
        auto params = read_params(q);
        bool csv = wants_csv(m) || q.get("format") == "csv";
        co_return co_await off_network(pool, [&] {
            if (csv)
                return reply{http::status::ok,
                             std::make_shared<std::string const>(core::to_csv(run_archive_query("totals", db, params))),
                             "text/csv; charset=utf-8"};
            return json_reply(http::status::ok, archive_totals_json(db, params.as_of));
        });
    });

    for (auto const& what : archive_queries()) {
        if (what == "totals" || what == "history")
            continue;
        r.add(http::verb::get, "/v1/archive/" + what, [&db, &pool, what](route_match& m) -> awaitable<reply> {
            query_params q(m.query);
            auto params = read_params(q);
            bool csv = wants_csv(m) || q.get("format") == "csv";
            co_return co_await off_network(pool, [&] {
                auto t = run_archive_query(what, db, params);
                if (csv)
                    return reply{http::status::ok, std::make_shared<std::string const>(core::to_csv(t)),
                                 "text/csv; charset=utf-8"};
                std::string out;
                core::json_writer w(out);
                w.begin_object().field("query", what).key("as_of");
                params.as_of ? w.value(core::format_rfc3339(*params.as_of)) : w.null();
                w.field("count", t.rows.size()).key("rows").raw(core::to_json(t)).end_object();
                return json_reply(http::status::ok, std::move(out));
            });
        });
    }

    r.add(http::verb::get, "/v1/archive/seats/{ons_code}/history", [&db, &pool](route_match& m) -> awaitable<reply> {
        query_params q(m.query);
        archive_params params;
        params.constituency = m.params[0];
        bool csv = wants_csv(m) || q.get("format") == "csv";
        co_return co_await off_network(pool, [&] {
            auto t = run_archive_query("history", db, params);
            if (csv)
                return reply{http::status::ok, std::make_shared<std::string const>(core::to_csv(t)), "text/csv; charset=utf-8"};
            std::string out;
            core::json_writer w(out);
            w.begin_object().field("constituency", params.constituency).key("revisions").raw(core::to_json(t)).end_object();
            return json_reply(http::status::ok, std::move(out));
        });
    });
}

} // namespace electd::daemon
