#include "daemon/ingest_api.hpp"

#include "core/json_views.hpp"
#include "feeds/native_json.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace electd::daemon {
namespace http = boost::beast::http;

namespace {

bool is_json(std::string_view content_type)
{
    auto semi = content_type.find(';');
    auto media = content_type.substr(0, semi);
    while (!media.empty() && media.back() == ' ')
        media.remove_suffix(1);
    return boost::beast::iequals(media, "application/json");
}

void write_warnings(core::json_writer& w, std::vector<std::string> const& warnings)
{
    w.key("warnings").begin_array();
    for (auto const& s : warnings)
        w.value(s);
    w.end_array();
}

reply invalid_reply(core::problem_list const& problems, std::vector<std::string> const& warnings)
{
    std::string out;
    core::json_writer w(out);
    w.begin_object().field("error", "validation_failed");
    w.field("message", problems.size() == 1 ? "1 problem with this declaration; nothing was stored"
                                            : std::to_string(problems.size())
                                                  + " problems with this declaration; nothing was stored");
    w.key("problems").begin_array();
    for (auto const& p : problems)
        w.begin_object().field("field", p.field).field("message", p.message).end_object();
    w.end_array();
    write_warnings(w, warnings);
    w.end_object();
    return json_reply(http::status::unprocessable_entity, std::move(out));
}

} // namespace

reply to_reply(ingest_outcome const& o)
{
    std::string out;
    core::json_writer w(out);
    switch (o.status) {
    case ingest_status::created:
    case ingest_status::duplicate: {
        w.begin_object().field("status", o.status == ingest_status::created ? "created" : "duplicate");
        w.field("seq", o.seq).field("constituency", o.constituency).field("revision", o.revision);
        w.key("result"); // rendered here, on a network thread, not on the tracker's
        o.result ? core::write_result(w, *o.result, *o.reference) : void(w.null());
        w.key("alerts").begin_array();
        for (auto const& a : o.alerts)
            w.raw(*a);
        w.end_array();
        write_warnings(w, o.warnings);
        w.end_object();
        auto rep = json_reply(o.status == ingest_status::created ? http::status::created : http::status::ok,
                              std::move(out));
        rep.headers.emplace_back(http::field::location, "/v1/constituencies/" + o.constituency);
        return rep;
    }
    case ingest_status::conflict:
        w.begin_object().field("error", "conflict").field("message", o.message).field("stored_seq", o.seq);
        w.end_object();
        return json_reply(http::status::conflict, std::move(out));
    case ingest_status::stale:
        w.begin_object().field("error", "stale_revision").field("message", o.message);
        w.field("current_revision", o.current_revision).end_object();
        return json_reply(http::status::conflict, std::move(out));
    case ingest_status::invalid:
        return invalid_reply(o.problems, o.warnings);
    case ingest_status::unavailable:
        break;
    }
    auto rep = error_reply(http::status::service_unavailable, "unavailable", o.message);
    rep.headers.emplace_back(http::field::retry_after, "1");
    return rep;
}

void add_ingest_routes(router& r, tracker& t)
{
    r.add(http::verb::post, "/v1/declarations", [&t](route_match& m) -> boost::asio::awaitable<reply> {
        auto& req = m.request;
        auto content_type = req[http::field::content_type];
        if (!is_json(content_type))
            co_return error_reply(http::status::unsupported_media_type, "unsupported_media_type",
                                  content_type.empty()
                                      ? "send the declaration with Content-Type: application/json"
                                      : "Content-Type '" + std::string(content_type)
                                            + "' is not supported; send application/json");
        auto parsed = feeds::parse_native_json(req.body());
        if (parsed.malformed)
            co_return error_reply(http::status::bad_request, "malformed_json", *parsed.malformed);

        // Most bad declarations are caught here, off the tracker's thread; it checks again.
        auto snap = t.current();
        auto checked = core::check_declaration(parsed.input, *snap->reference());
        auto problems = std::move(parsed.problems);
        problems.insert(problems.end(), checked.problems.begin(), checked.problems.end());
        if (!problems.empty())
            co_return invalid_reply(problems, parsed.warnings);

        ingest_request ir;
        ir.checked = std::move(checked.value);
        ir.checked_against = snap->reference();
        ir.input = std::move(parsed.input);
        ir.payload = std::move(req.body());
        ir.content_type = std::string(content_type);
        ir.warnings = std::move(parsed.warnings);
        ir.received_at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
        auto outcome = co_await t.async_ingest(std::move(ir), boost::asio::use_awaitable);
        co_return to_reply(outcome);
    });
}

} // namespace electd::daemon
