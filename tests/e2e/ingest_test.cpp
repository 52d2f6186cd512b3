// POST /v1/declarations against the real daemon: answers, idempotency, revisions, and a corpus
// of bad inputs that must each be refused with a specific answer and change nothing.
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;

namespace {

// Derby North 2024 (E14001193), as declared.
std::string derby_north(int revision = 1, std::int64_t lab_votes = 18619)
{
    return R"({"constituency":"E14001193","revision":)" + std::to_string(revision) + R"(,
      "declared_at":"2024-07-05T03:33:00+01:00","electorate":71879,"invalid_votes":187,
      "candidates":[{"name":"Catherine Atkinson","party":"Lab","votes":)" + std::to_string(lab_votes) + R"(},
        {"name":"Amanda Solloway","party":"C","votes":9704},{"name":"Tim Prosser","party":"Reform","votes":7488},
        {"name":"Helen Hitchcock","party":"Green","votes":2950},{"name":"Dave Thompson","party":"LD","votes":2158}]})";
}

bool has_problem(json::value const& v, std::string const& field)
{
    for (auto const& p : v.at("problems").as_array())
        if (p.at("field").as_string() == field)
            return true;
    return false;
}

} // namespace

TEST_CASE("Ingest answers 201, then 200 for a resend, 409 for conflicts, and keeps every revision", "[e2e][ingest]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db");
    cli::http_client client(daemon.url());

    auto first = client.post_json("/v1/declarations", derby_north());
    INFO(first.body);
    REQUIRE(first.status == 201);
    auto v = json::parse(first.body);
    CHECK(v.at("status").as_string() == "created");
    CHECK(v.at("seq").as_int64() == 1);
    CHECK(v.at("result").at("text").as_string() == "Lab gain from Con");
    CHECK(v.at("result").at("majority").as_int64() == 8915);
    CHECK(first.header("Location") == "/v1/constituencies/E14001193");

    // The same declaration again, even reformatted: acknowledged, stored once.
    auto again = client.post_json("/v1/declarations", json::serialize(json::parse(derby_north())));
    CHECK(again.status == 200);
    CHECK(json::parse(again.body).at("status").as_string() == "duplicate");
    CHECK(json::parse(again.body).at("seq").as_int64() == 1);

    // Different figures at the same revision: a conflict, nothing stored.
    auto conflict = client.post_json("/v1/declarations", derby_north(1, 18620));
    CHECK(conflict.status == 409);
    CHECK(json::parse(conflict.body).at("error").as_string() == "conflict");

    // A correction as revision 2 supersedes revision 1, which stays in the history.
    auto revised = client.post_json("/v1/declarations", derby_north(2, 18629));
    REQUIRE(revised.status == 201);
    CHECK(json::parse(revised.body).at("seq").as_int64() == 2);
    auto seat = get_json(client, "/v1/constituencies/E14001193");
    CHECK(seat.at("status").as_string() == "revised");
    CHECK(seat.at("result").at("majority").as_int64() == 8925);
    auto const& revisions = seat.at("revisions").as_array();
    REQUIRE(revisions.size() == 2);
    CHECK(revisions[0].at("current").as_bool() == false);
    CHECK(revisions[1].at("current").as_bool() == true);
    CHECK(seat.at("baseline").at("winner").as_string() == "Con");

    // A revision older than the stored one, never seen before: refused.
    REQUIRE(client.post_json("/v1/declarations", derby_north(4, 18630)).status == 201);
    auto stale = client.post_json("/v1/declarations", derby_north(3, 18000));
    CHECK(stale.status == 409);
    CHECK(json::parse(stale.body).at("error").as_string() == "stale_revision");

    auto totals = get_json(client, "/v1/totals");
    CHECK(totals.at("totals").at("declared").as_int64() == 1);
    CHECK(party_row(totals, "Lab").at("seats").as_int64() == 1);
    CHECK(party_row(totals, "Lab").at("gains").as_int64() == 1);
    CHECK(party_row(totals, "Con").at("losses").as_int64() == 1);

    // The database holds both revisions with their raw payloads, byte for byte.
    CHECK(daemon.terminate() == 0);
    auto db = dir / "electd.db";
    CHECK(query_int(db, "SELECT COUNT(*) FROM declarations") == 3);
    CHECK(query_text(db, "SELECT payload FROM declarations WHERE seq = 1") == derby_north());
}

TEST_CASE("A party the reference does not know is registered, with a warning", "[e2e][ingest]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db");
    cli::http_client client(daemon.url());
    auto body = derby_north();
    body.replace(body.find("\"LD\""), 4, "\"Derby First\"");
    auto a = client.post_json("/v1/declarations", body);
    INFO(a.body);
    REQUIRE(a.status == 201);
    auto warnings = json::parse(a.body).at("warnings").as_array();
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].as_string().find("Derby First") != std::string::npos);
    CHECK(party_row(get_json(client, "/v1/totals"), "Derby First").at("votes").as_int64() == 2158);

    // It survives a restart.
    CHECK(daemon.terminate() == 0);
    daemon_process again(dir / "electd.db");
    cli::http_client client2(again.url());
    CHECK(party_row(get_json(client2, "/v1/totals"), "Derby First").at("votes").as_int64() == 2158);
}

TEST_CASE("Bad inputs get specific answers and change nothing", "[e2e][ingest][validation]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db", {"--max-body", "65536"});
    cli::http_client client(daemon.url());
    REQUIRE(client.post_json("/v1/declarations", derby_north()).status == 201);
    auto before = get_json(client, "/v1/totals");

    struct bad {
        char const* what;
        std::string body;
        int status;
        std::string field; // for 422: a field that must be named
        std::string content_type = "application/json";
    };
    std::string good = derby_north(2);
    auto with = [&](std::string from, std::string to) {
        auto s = good;
        auto at = s.find(from);
        REQUIRE(at != std::string::npos);
        return s.replace(at, from.size(), to);
    };
    std::vector<bad> corpus{
        {"unknown constituency", with("E14001193", "E14009999"), 422, "constituency"},
        {"missing constituency", with(R"("constituency":"E14001193",)", ""), 422, "constituency"},
        {"constituency by name", with("E14001193", "Derby North"), 422, "constituency"},
        {"no candidates", R"({"constituency":"E14001193","revision":2,"declared_at":"2024-07-05T03:33:00+01:00","candidates":[]})", 422, "candidates"},
        {"candidates missing", R"({"constituency":"E14001193","revision":2,"declared_at":"2024-07-05T03:33:00+01:00"})", 422, "candidates"},
        {"negative votes", with("9704", "-9704"), 422, "candidates[1].votes"},
        {"fractional votes", with("9704", "9704.5"), 422, "candidates[1].votes"},
        {"votes as text", with("9704", "\"9704\""), 422, "candidates[1].votes"},
        {"the same candidate twice", with(R"({"name":"Tim Prosser","party":"Reform")", R"({"name":"Amanda Solloway","party":"Con")"), 422, "candidates[2]"},
        {"votes above the electorate", with("71879", "30000"), 422, "electorate"},
        {"malformed date", with("2024-07-05T03:33:00+01:00", "5 July 2024 03:33"), 422, "declared_at"},
        {"date without offset", with("2024-07-05T03:33:00+01:00", "2024-07-05T03:33:00"), 422, "declared_at"},
        {"impossible date", with("2024-07-05", "2024-02-30"), 422, "declared_at"},
        {"revision zero", with(R"("revision":2)", R"("revision":0)"), 422, "revision"},
        {"negative invalid votes", with("\"invalid_votes\":187", "\"invalid_votes\":-1"), 422, "invalid_votes"},
        {"empty candidate name", with("Tim Prosser", " "), 422, "candidates[2].name"},
        {"tie without a winner", with("9704", "18619"), 422, "candidates"},
        {"unknown party plus another problem", with(R"("party":"LD","votes":2158)", R"("party":"Brand New","votes":-1)"), 422, "candidates[4].votes"},
        {"malformed JSON", good.substr(0, good.size() - 2), 400, ""},
        {"not an object", "[1,2,3]", 400, ""},
        {"empty body", "", 400, ""},
        {"wrong content type", good, 415, "", "text/plain"},
        {"no content type", good, 415, "", ""},
        {"too large", "{\"pad\":\"" + std::string(70000, 'x') + "\"}", 413, ""},
    };
    for (auto const& b : corpus) {
        INFO(b.what);
        std::vector<std::pair<std::string, std::string>> headers;
        auto a = b.content_type.empty() ? client.request("POST", "/v1/declarations", b.body, "", {{"Content-Type", ""}})
                                        : client.request("POST", "/v1/declarations", b.body, b.content_type);
        INFO(a.body);
        CHECK(a.status == b.status);
        auto v = json::parse(a.body);
        CHECK(v.at("error").as_string().size() > 0);
        CHECK(v.at("message").as_string().size() > 0);
        if (b.status == 422)
            CHECK(has_problem(v, b.field));
    }

    // Nothing changed: totals, stored rows, registered parties.
    auto after = get_json(client, "/v1/totals");
    CHECK(json::serialize(after) == json::serialize(before));
    CHECK(daemon.terminate() == 0);
    auto db = dir / "electd.db";
    CHECK(query_int(db, "SELECT COUNT(*) FROM declarations") == 1);
    CHECK(query_int(db, "SELECT COUNT(*) FROM parties WHERE from_feed = 1") == 0);
}

TEST_CASE("Unknown routes are 404 and wrong methods 405, as JSON", "[e2e][http]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db");
    cli::http_client client(daemon.url());
    auto nf = client.get("/v1/nothing");
    CHECK(nf.status == 404);
    CHECK(json::parse(nf.body).at("error").as_string() == "not_found");
    auto seat = client.get("/v1/constituencies/X99");
    CHECK(seat.status == 404);
    CHECK(json::parse(seat.body).at("message").as_string().find("X99") != std::string::npos);
    auto method = client.request("DELETE", "/v1/totals");
    CHECK(method.status == 405);
    CHECK(method.header("Allow") == "GET");
    CHECK(get_json(client, "/healthz").at("status").as_string() == "ok");
    auto awaiting = get_json(client, "/v1/constituencies/E14001193");
    CHECK(awaiting.at("status").as_string() == "awaiting");
    CHECK(awaiting.at("result").is_null());
    CHECK(awaiting.at("baseline").at("majority").as_int64() == 2540);
}
