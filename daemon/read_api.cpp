#include "daemon/read_api.hpp"

#include "core/json_writer.hpp"

namespace electd::daemon {
namespace http = boost::beast::http;
using boost::asio::awaitable;

void add_read_routes(router& r, tracker& t)
{
    r.add(http::verb::get, "/v1/totals", [&t](route_match&) -> awaitable<reply> {
        co_return shared_json_reply(t.current()->totals_json());
    });

    r.add(http::verb::get, "/v1/constituencies", [&t](route_match&) -> awaitable<reply> {
        co_return shared_json_reply(t.current()->constituencies_json());
    });

    r.add(http::verb::get, "/v1/constituencies/{ons_code}", [&t](route_match& m) -> awaitable<reply> {
        auto snap = t.current();
        auto seat = snap->reference()->find_ons(m.params[0]);
        if (!seat)
            co_return error_reply(http::status::not_found, "not_found",
                                  "no constituency with ONS code '" + m.params[0] + "'");
        co_return shared_json_reply(snap->seats()[*seat]->detail_json());
    });

    r.add(http::verb::get, "/healthz", [](route_match&) -> awaitable<reply> {
        co_return json_reply(http::status::ok, R"({"status":"ok"})");
    });

}

} // namespace electd::daemon
