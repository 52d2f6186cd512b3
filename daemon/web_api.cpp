#include "daemon/web_api.hpp"

#include "core/json_writer.hpp"
#include "embed/embedded.hpp"

#include <map>

namespace electd::daemon {
namespace http = boost::beast::http;
using boost::asio::awaitable;

namespace {

std::string content_type_of(std::string_view path)
{
    auto ext = path.substr(path.rfind('.') + 1);
    if (ext == "html")
        return "text/html; charset=utf-8";
    if (ext == "css")
        return "text/css; charset=utf-8";
    if (ext == "js")
        return "text/javascript; charset=utf-8";
    if (ext == "svg")
        return "image/svg+xml";
    if (ext == "wav")
        return "audio/wav";
    if (ext == "json" || ext == "hexjson")
        return "application/json";
    return "application/octet-stream";
}

reply embedded_file(std::string const& path)
{
    auto data = embedded::find(path);
    if (!data)
        return error_reply(http::status::not_found, "not_found", "no such file");
    // The bytes live in the binary: share them without copying per request.
    static thread_local std::map<std::string, shared_text> cache;
    auto& body = cache[path];
    if (!body)
        body = std::make_shared<std::string const>(*data);
    reply rep{http::status::ok, body, content_type_of(path)};
    rep.headers.emplace_back(http::field::cache_control, "public, max-age=300");
    return rep;
}

} // namespace

void add_web_routes(router& r, tracker& t)
{
    r.add(http::verb::get, "/", [](route_match&) -> awaitable<reply> { co_return embedded_file("web/index.html"); });

    r.add(http::verb::get, "/web/{file}", [](route_match& m) -> awaitable<reply> {
        auto const& name = m.params[0];
        if (name.find("..") != std::string::npos)
            co_return error_reply(http::status::not_found, "not_found", "no such file");
        co_return embedded_file("web/" + name);
    });

    r.add(http::verb::get, "/v1/hexmap", [&t](route_match&) -> awaitable<reply> {
        if (t.current()->reference()->info.short_name != "ge2024")
            co_return error_reply(http::status::not_found, "not_found", "no hex map is bundled for this election");
        co_return embedded_file("data/ge2024/hexmap.hexjson");
    });

    r.add(http::verb::get, "/v1", [&t, &r](route_match&) -> awaitable<reply> {
        auto snap = t.current();
        std::string out;
        core::json_writer w(out);
        w.begin_object().field("service", "electd").field("election", snap->reference()->info.name);
        w.field("seq", snap->last_seq()).field("alert_seq", snap->last_alert_seq());
        w.field("declared", snap->totals().declared);
        w.key("endpoints").begin_array();
        for (auto const& route : r.routes())
            w.begin_object().field("method", std::string_view(http::to_string(route.method)))
                .field("path", route.pattern).end_object();
        // The push endpoints are taken over before routing (see http_server.cpp).
        for (auto const* path : {"/v1/stream", "/v1/events"})
            w.begin_object().field("method", "GET").field("path", path).end_object();
        w.end_array().end_object();
        co_return json_reply(http::status::ok, std::move(out));
    });
}

} // namespace electd::daemon
