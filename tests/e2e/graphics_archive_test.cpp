// Graphics pull API (ETag, 304, long-poll, CSV), the archive as of any time (HTTP and CLI),
// and the OpenAPI document against the routes the daemon really serves.
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <sstream>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::string seat_json(std::string const& ons, std::string const& declared_at, int revision = 1)
{
    return R"({"constituency":")" + ons + R"(","revision":)" + std::to_string(revision) + R"(,"declared_at":")" + declared_at +
           R"(","candidates":[{"name":"A","party":"Lab","votes":20000},{"name":"B","party":"Con","votes":10000}]})";
}

} // namespace

TEST_CASE("Graphics endpoints: strong ETags, 304, CSV and flat lines with colours", "[e2e][graphics]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db");
    cli::http_client client(daemon.url());
    REQUIRE(run_electd({"replay", "--fast", "--quiet", "--limit", "100", "--url", daemon.url()}).exit_code == 0);

    auto first = client.get("/v1/graphics/totals");
    REQUIRE(first.status == 200);
    auto etag = first.header("ETag");
    REQUIRE(etag);
    CHECK(etag->front() == '"'); // strong
    CHECK(first.header("Cache-Control")->find("max-age") != std::string::npos);
    auto body = json::parse(first.body);
    CHECK(body.at("declared").as_int64() == 100);
    auto const& lab = body.at("lines").as_array().at(0);
    CHECK(lab.at("party").as_string() == "Lab");
    CHECK(lab.at("colour").as_string() == "#E4003B");

    auto same = client.request("GET", "/v1/graphics/totals", "", "", {{"If-None-Match", *etag}});
    CHECK(same.status == 304);
    CHECK(same.body.empty());
    CHECK(same.header("ETag") == etag);
    // The same tag on the other read endpoints: it is the state's, not the document's.
    CHECK(client.request("GET", "/v1/totals", "", "", {{"If-None-Match", *etag}}).status == 304);

    REQUIRE(client.post_json("/v1/declarations", seat_json("E14001193", "2024-07-05T03:33:00+01:00")).status == 201);
    auto changed = client.request("GET", "/v1/graphics/totals", "", "", {{"If-None-Match", *etag}});
    CHECK(changed.status == 200);
    CHECK(changed.header("ETag") != etag);

    auto csv = client.request("GET", "/v1/graphics/totals", "", "", {{"Accept", "text/csv"}});
    CHECK(csv.header("Content-Type")->starts_with("text/csv"));
    CHECK(csv.body.starts_with("party,name,colour,seats,gains,losses,net,votes,share,share_change"));
    CHECK(csv.body.find("\nLab,Labour,#E4003B,") != std::string::npos);
    CHECK(client.get("/v1/graphics/totals.csv").body == csv.body);

    auto seat = get_json(client, "/v1/graphics/seat/E14001193");
    CHECK(seat.at("text").as_string() == "Lab gain from Con");
    CHECK(seat.at("lines").as_array().size() == 2);
    CHECK(seat.at("lines").as_array()[0].at("colour").as_string() == "#E4003B");
    auto seat_csv = client.get("/v1/graphics/seat/E14001193.csv");
    CHECK(seat_csv.body.find("E14001193,Derby North,declared,Lab gain from Con,1,A,Lab,Labour,#E4003B,20000") !=
          std::string::npos);
    auto latest = get_json(client, "/v1/graphics/latest?n=3");
    REQUIRE(latest.at("lines").as_array().size() == 3);
    CHECK(latest.at("lines").as_array()[0].at("ons_code").as_string() == "E14001193");
    CHECK(client.get("/v1/graphics/latest?n=0").status == 400);
}

TEST_CASE("Long-poll: a current If-None-Match or since waits for a change, or 304 at the timeout", "[e2e][graphics]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db");
    cli::http_client client(daemon.url());
    auto etag = *client.get("/v1/graphics/totals").header("ETag");

    // Nothing happens: 304 after about the wait.
    auto started = std::chrono::steady_clock::now();
    auto quiet = client.request("GET", "/v1/graphics/totals?wait=1", "", "", {{"If-None-Match", etag}});
    CHECK(quiet.status == 304);
    CHECK(std::chrono::steady_clock::now() - started >= 900ms);

    // A declaration arrives while a request waits: it wakes at once with the new state.
    auto waiter = std::async(std::launch::async, [&] {
        cli::http_client c(daemon.url());
        auto t0 = std::chrono::steady_clock::now();
        auto a = c.request("GET", "/v1/graphics/totals?wait=20", "", "", {{"If-None-Match", etag}});
        return std::make_pair(a, std::chrono::steady_clock::now() - t0);
    });
    std::this_thread::sleep_for(300ms);
    REQUIRE(client.post_json("/v1/declarations", seat_json("E14001193", "2024-07-05T03:33:00+01:00")).status == 201);
    auto [woken, took] = waiter.get();
    CHECK(woken.status == 200);
    CHECK(json::parse(woken.body).at("declared").as_int64() == 1);
    CHECK(took < 10s);

    // The same with since=SEQ (X-Electd-Seq of the last answer).
    auto seq = *woken.header("X-Electd-Seq");
    auto by_seq = std::async(std::launch::async, [&] {
        cli::http_client c(daemon.url());
        return c.get("/v1/graphics/latest?n=1&wait=20&since=" + seq);
    });
    std::this_thread::sleep_for(300ms);
    REQUIRE(client.post_json("/v1/declarations", seat_json("E14001194", "2024-07-05T03:40:00+01:00")).status == 201);
    auto got = by_seq.get();
    CHECK(got.status == 200);
    CHECK(json::parse(got.body).at("lines").as_array()[0].at("ons_code").as_string() == "E14001194");
    CHECK(client.get("/v1/graphics/totals?wait=1&since=" + *got.header("X-Electd-Seq")).status == 304);
}

TEST_CASE("The archive: the board as of any time of the 2024 replay, over HTTP and with electd query",
          "[e2e][archive]")
{
    temp_dir dir;
    auto db = dir / "electd.db";
    {
        daemon_process daemon(db);
        REQUIRE(run_electd({"replay", "--fast", "--quiet", "--url", daemon.url()}).exit_code == 0);
        cli::http_client client(daemon.url());
        // At 01:00 BST only the seats declared by then count; at the end, all of them.
        for (auto const* when : {"2024-07-05T01:00:00+01:00", "2024-07-05T02:00:00+01:00", "2024-07-05T04:00:00+01:00"}) {
            auto t = core::parse_rfc3339(when)->utc;
            std::int64_t expected = 0;
            for (auto const& d : the_night())
                expected += d.at <= t ? 1 : 0;
            std::string q = when;
            q.replace(q.find('+'), 1, "%2B");
            auto board = get_json(client, "/v1/archive/totals?as_of=" + q);
            INFO(when);
            CHECK(board.at("totals").at("declared").as_int64() == expected);
            CHECK(board.at("totals").at("total_seats").as_int64() == 650);
        }
        auto end = get_json(client, "/v1/archive/totals");
        auto live = get_json(client, "/v1/totals");
        CHECK(json::serialize(end.at("totals")) == json::serialize(live.at("totals")));

        auto gains = get_json(client, "/v1/archive/gains?party=LD");
        std::int64_t ld = 0;
        for (auto const& row : gains.at("rows").as_array())
            ld += row.at("gains").as_int64();
        CHECK(ld == 64);
        auto closest = get_json(client, "/v1/archive/closest?n=1").at("rows").as_array();
        CHECK(closest.at(0).at("name").as_string() == "Hendon");
        CHECK(client.get("/v1/archive/turnout?order=low&n=3&format=csv").body.starts_with("ons_code,name,"));
        auto history = get_json(client, "/v1/archive/seats/E14001193/history");
        CHECK(history.at("revisions").as_array().size() == 1);
        auto early_alerts = get_json(client, "/v1/archive/alerts?as_of=2024-07-05T00:30:00%2B01:00&type=gain");
        CHECK(early_alerts.at("rows").as_array().size() == 1); // Swindon South, 00:23
        CHECK(client.get("/v1/archive/totals?as_of=yesterday").status == 400);
        CHECK(client.get("/v1/archive/seats/X99/history").status == 404);
        CHECK(daemon.terminate() == 0);
    }
    // The CLI on a copy of the database, as an analyst would the morning after.
    auto copy = dir / "copy.db";
    std::filesystem::copy_file(db, copy);
    auto totals = run_electd({"query", "totals", "--db", copy.string(), "--format", "csv"});
    INFO(totals.output);
    REQUIRE(totals.exit_code == 0);
    CHECK(totals.output.find("\nLab,Labour,411,218,7,211,9708716,") != std::string::npos);
    auto table = run_electd({"query", "closest", "--db", copy.string(), "--n", "2"});
    CHECK(table.output.find("Hendon") != std::string::npos);
    CHECK(table.output.find("(2 rows)") != std::string::npos);
    auto at_one = run_electd({"query", "seats", "--db", copy.string(), "--as-of", "2024-07-05T01:00:00+01:00", "--format", "json"});
    auto seats = json::parse(at_one.output).as_array();
    CHECK(seats.size() < 20);
    CHECK(seats.at(0).at("name").as_string().size() > 0);
    auto regions = run_electd({"query", "regions", "--db", copy.string()});
    CHECK(regions.output.find("East Midlands") != std::string::npos);
    auto bad = run_electd({"query", "nonsense", "--db", copy.string()});
    CHECK(bad.exit_code != 0);
    CHECK(bad.output.find("unknown query 'nonsense'") != std::string::npos);
}

TEST_CASE("schema/openapi.yaml documents exactly the routes the daemon serves", "[e2e][openapi]")
{
    std::ifstream in(source_dir() / "schema/openapi.yaml");
    REQUIRE(in);
    std::set<std::string> documented;
    std::string line, path;
    bool in_paths = false;
    std::regex path_line(R"(^  (/[^:]*):\s*$)"), method_line(R"(^    (get|post|put|delete|patch):)");
    while (std::getline(in, line)) {
        if (line.starts_with("paths:")) {
            in_paths = true;
            continue;
        }
        if (in_paths && !line.empty() && line[0] != ' ' && line[0] != '#')
            break;
        std::smatch m;
        if (std::regex_search(line, m, path_line))
            path = m[1];
        else if (std::regex_search(line, m, method_line)) {
            auto method = m[1].str();
            for (auto& c : method)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            documented.insert(method + " " + path);
        }
    }
    temp_dir dir;
    daemon_process daemon(dir / "electd.db");
    cli::http_client client(daemon.url());
    std::set<std::string> served;
    auto index = get_json(client, "/v1");
    for (auto const& e : index.at("endpoints").as_array())
        served.insert(std::string(e.at("method").as_string()) + " " + std::string(e.at("path").as_string()));
    for (auto const& s : served) {
        INFO("served but not documented: " << s);
        CHECK(documented.count(s));
    }
    for (auto const& d : documented) {
        INFO("documented but not served: " << d);
        CHECK(served.count(d));
    }
}
