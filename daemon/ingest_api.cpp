#include "daemon/ingest_api.hpp"

#include "core/json_views.hpp"
#include "daemon/query.hpp"
#include "feeds/native_json.hpp"
#include "feeds/pa_adapter.hpp"
#include "support/log.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace electd::daemon {
namespace http = boost::beast::http;

namespace {

std::string_view media_type(std::string_view content_type)
{
    auto media = content_type.substr(0, content_type.find(';'));
    while (!media.empty() && media.back() == ' ')
        media.remove_suffix(1);
    return media;
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
    case ingest_status::late:
        w.begin_object().field("status", "late").field("message", o.message).field("seq", o.seq);
        w.field("constituency", o.constituency).field("revision", o.revision);
        w.field("current_revision", o.current_revision).end_object();
        return json_reply(http::status::accepted, std::move(out));
    case ingest_status::invalid:
        return invalid_reply(o.problems, o.warnings);
    case ingest_status::unavailable:
        break;
    }
    auto rep = error_reply(http::status::service_unavailable, "unavailable", o.message);
    rep.headers.emplace_back(http::field::retry_after, "1");
    return rep;
}

bool is_json(std::string_view content_type)
{
    return boost::beast::iequals(media_type(content_type), "application/json");
}

bool is_xml(std::string_view content_type)
{
    auto media = media_type(content_type);
    return boost::beast::iequals(media, "application/xml") || boost::beast::iequals(media, "text/xml");
}

char const* to_string(ingest_result r)
{
    switch (r) {
    case ingest_result::stored: return "stored";
    case ingest_result::duplicate: return "duplicate";
    case ingest_result::late: return "late";
    case ingest_result::conflict: return "conflict";
    case ingest_result::invalid: return "invalid";
    case ingest_result::malformed: return "malformed";
    case ingest_result::refused_test: return "refused_test";
    case ingest_result::unsupported: return "unsupported";
    case ingest_result::unavailable: return "unavailable";
    }
    return "unavailable";
}

namespace {

ingest_result result_of(ingest_status s)
{
    switch (s) {
    case ingest_status::created: return ingest_result::stored;
    case ingest_status::duplicate: return ingest_result::duplicate;
    case ingest_status::late: return ingest_result::late;
    case ingest_status::conflict:
    case ingest_status::stale: return ingest_result::conflict;
    case ingest_status::invalid: return ingest_result::invalid;
    case ingest_status::unavailable: return ingest_result::unavailable;
    }
    return ingest_result::unavailable;
}

std::string summarise(ingest_outcome const& o)
{
    auto what = o.constituency + " revision " + std::to_string(o.revision);
    switch (o.status) {
    case ingest_status::created: return what + " stored as seq " + std::to_string(o.seq);
    case ingest_status::duplicate: return what + " already stored";
    case ingest_status::invalid:
        return what + " refused: " + (o.problems.empty() ? "" : o.problems[0].field + " " + o.problems[0].message);
    default: return what + ": " + o.message;
    }
}

core::timestamp now()
{
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

} // namespace

ingestor::ingestor(tracker& t, server_config const& cfg) : tracker_(t), cfg_(cfg)
{
}

void ingestor::count(std::string const& source, ingest_answer const& a, double seconds)
{
    std::lock_guard lock(mutex_);
    auto& c = counts_[source];
    ++c.by_result[to_string(a.result)];
    c.seconds_by_result.try_emplace(to_string(a.result), histogram::seconds()).first->second.observe(seconds);
    c.last_summary = a.summary;
    c.last_ms = core::to_unix_ms(now());
}

std::map<std::string, feed_counts> ingestor::counts() const
{
    std::lock_guard lock(mutex_);
    return counts_;
}

boost::asio::awaitable<ingest_answer> ingestor::submit(std::string body, std::string content_type, std::string source,
                                                       std::optional<std::string> file_name,
                                                       std::optional<storage::feed_state_write> mark)
{
    auto arrived = std::chrono::steady_clock::now();
    ingest_answer answer;
    auto unused_mark = mark;
    if (is_json(content_type)) {
        answer = co_await submit_json(std::move(body), std::move(content_type), source, std::move(mark));
    } else if (is_xml(content_type)) {
        answer = co_await submit_xml(std::move(body), std::move(content_type), source, std::move(file_name),
                                     std::move(mark));
    } else {
        answer.result = ingest_result::unsupported;
        answer.summary = content_type.empty() ? "no Content-Type" : "Content-Type '" + content_type + "' is not supported";
        answer.http = error_reply(http::status::unsupported_media_type, "unsupported_media_type",
                                  answer.summary + "; send application/json (native) or application/xml (PA Media)");
    }
    // A message refused before the tracker still moves its feed on; one the tracker could not
    // store (storage failing) does not, and its feed tries it again.
    if (unused_mark && !answer.committed && answer.result != ingest_result::unavailable)
        co_await tracker_.async_feed_state(std::move(*unused_mark), boost::asio::use_awaitable);
    count(source, answer, std::chrono::duration<double>(std::chrono::steady_clock::now() - arrived).count());
    if (answer.result == ingest_result::malformed || answer.result == ingest_result::invalid
        || answer.result == ingest_result::refused_test)
        module_logger("ingest")->warn("{}: refused: {}", source, answer.summary);
    co_return answer;
}

boost::asio::awaitable<ingest_answer> ingestor::submit_json(std::string body, std::string content_type, std::string source,
                                                            std::optional<storage::feed_state_write> mark)
{
    ingest_answer answer;
    auto parsed = feeds::parse_native_json(body);
    if (parsed.malformed) {
        answer.result = ingest_result::malformed;
        answer.summary = *parsed.malformed;
        answer.http = error_reply(http::status::bad_request, "malformed_json", *parsed.malformed);
        co_return answer;
    }
    // Most bad declarations are caught here, off the tracker's thread; it checks again.
    auto snap = tracker_.current();
    auto checked = core::check_declaration(parsed.input, *snap->reference());
    auto problems = std::move(parsed.problems);
    problems.insert(problems.end(), checked.problems.begin(), checked.problems.end());
    if (!problems.empty()) {
        answer.result = ingest_result::invalid;
        answer.summary = problems[0].field + " " + problems[0].message;
        answer.http = invalid_reply(problems, parsed.warnings);
        co_return answer;
    }
    ingest_request ir;
    ir.checked = std::move(checked.value);
    ir.checked_against = snap->reference();
    ir.input = std::move(parsed.input);
    ir.payload = std::move(body);
    ir.content_type = std::move(content_type);
    ir.source = source;
    ir.warnings = std::move(parsed.warnings);
    ir.received_at = now();
    ir.mark = std::move(mark);
    auto outcome = co_await tracker_.async_ingest(std::move(ir), boost::asio::use_awaitable);
    answer.committed = outcome.status != ingest_status::unavailable;
    answer.result = result_of(outcome.status);
    answer.summary = summarise(outcome);
    answer.http = to_reply(outcome);
    co_return answer;
}

boost::asio::awaitable<ingest_answer> ingestor::submit_xml(std::string body, std::string content_type,
                                                           std::string source, std::optional<std::string> file_name,
                                                           std::optional<storage::feed_state_write> mark)
{
    ingest_answer answer;
    // Rehearsal data never mixes with a live night.
    if (file_name && !cfg_.rehearsal) {
        auto name = feeds::parse_pa_file_name(*file_name);
        bool test_folder = file_name->find("/test/") != std::string::npos || file_name->starts_with("test/");
        if ((name && name->test) || test_folder) {
            answer.result = ingest_result::refused_test;
            answer.summary = *file_name + " is rehearsal data (Test_), and this election is live";
            answer.http = error_reply(http::status::unprocessable_entity, "test_data_refused",
                                      answer.summary + "; run electd with --rehearsal to take it");
            co_return answer;
        }
    }
    auto parsed = feeds::parse_pa_xml(body);
    if (!parsed.message) {
        answer.result = ingest_result::malformed;
        answer.summary = (file_name ? *file_name + ": " : std::string()) + parsed.error;
        answer.http = error_reply(http::status::bad_request, "malformed_xml", parsed.error);
        co_return answer;
    }
    auto received = now();
    if (auto* r = std::get_if<feeds::pa_result>(&*parsed.message)) {
        auto pd = feeds::to_declaration(*r, received);
        ingest_request ir;
        ir.input = std::move(pd.input);
        ir.seat_facts = std::move(pd.seat);
        ir.keep_late = true; // feeds may deliver revisions out of order
        ir.mark = std::move(mark);
        ir.payload = std::move(body);
        ir.content_type = std::move(content_type);
        ir.source = source;
        ir.warnings = std::move(parsed.warnings);
        ir.received_at = received;
        auto outcome = co_await tracker_.async_ingest(std::move(ir), boost::asio::use_awaitable);
        answer.committed = outcome.status != ingest_status::unavailable;
        answer.result = result_of(outcome.status);
        answer.summary = (file_name ? *file_name + ": " : std::string()) + summarise(outcome);
        answer.http = to_reply(outcome);
        co_return answer;
    }
    feed_event_request fr;
    fr.payload = std::move(body);
    fr.source = source;
    fr.file_name = file_name;
    fr.received_at = received;
    fr.mark = std::move(mark);
    bool sop = std::holds_alternative<feeds::pa_state_of_parties>(*parsed.message);
    if (sop)
        fr.message = std::get<feeds::pa_state_of_parties>(std::move(*parsed.message));
    else
        fr.message = std::get<feeds::pa_recount>(std::move(*parsed.message));
    auto outcome = co_await tracker_.async_feed_event(std::move(fr), boost::asio::use_awaitable);
    answer.committed = outcome.stored || outcome.invalid;
    std::string out;
    core::json_writer w(out);
    if (outcome.stored) {
        answer.result = ingest_result::stored;
        answer.summary = sop ? (outcome.differences.empty() ? "state of the parties agrees with electd"
                                                            : "state of the parties disagrees: " + outcome.differences[0])
                             : "recount in " + outcome.constituency;
        w.begin_object().field("status", "stored").field("kind", sop ? "state_of_parties" : "recount");
        if (!sop)
            w.field("constituency", outcome.constituency);
        else {
            w.field("agrees", outcome.differences.empty()).key("differences").begin_array();
            for (auto const& d : outcome.differences)
                w.value(d);
            w.end_array();
        }
        w.key("alerts").begin_array();
        for (auto const& a : outcome.alerts)
            w.raw(*a);
        w.end_array().end_object();
        answer.http = json_reply(http::status::ok, std::move(out));
    } else if (outcome.invalid) {
        answer.result = ingest_result::invalid;
        answer.summary = outcome.message;
        answer.http = error_reply(http::status::unprocessable_entity, "validation_failed", outcome.message);
    } else {
        answer.result = ingest_result::unavailable;
        answer.summary = outcome.message;
        answer.http = error_reply(http::status::service_unavailable, "unavailable", outcome.message);
        answer.http.headers.emplace_back(http::field::retry_after, "1");
    }
    co_return answer;
}

void add_ingest_routes(router& r, ingestor& in)
{
    r.add(http::verb::post, "/v1/declarations", [&in](route_match& m) -> boost::asio::awaitable<reply> {
        auto& req = m.request;
        std::string content_type(req[http::field::content_type]);
        // A PA file's name, for the Test_ rule: ?file= or an X-PA-File-Name header.
        query_params q(m.query);
        auto file_name = q.get("file");
        if (!file_name && !req["X-PA-File-Name"].empty())
            file_name = std::string(req["X-PA-File-Name"]);
        std::string body = std::move(req.body());
        std::string source = "http";
        auto answer = co_await in.submit(std::move(body), std::move(content_type), std::move(source), std::move(file_name));
        co_return std::move(answer.http);
    });
}

} // namespace electd::daemon
