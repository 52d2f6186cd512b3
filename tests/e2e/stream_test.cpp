// Push to subscribers: WebSocket and SSE with filters, snapshot then live, resume with no gap
// and no duplicate (after a disconnect and after a restart), slow consumers, limits.
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"
#include "tests/support/ws_client.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <set>
#include <thread>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::size_t total_alerts(cli::http_client& client)
{
    return static_cast<std::size_t>(get_json(client, "/v1/alerts?limit=1").at("last_seq").as_int64());
}

// Reads alert messages until `n` have arrived (or fails).
std::vector<json::object> read_alerts(ws_client& ws, std::size_t n, std::chrono::seconds timeout = 30s)
{
    std::vector<json::object> out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < n) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        REQUIRE(left.count() > 0);
        auto m = ws.next(left);
        REQUIRE(m);
        if (m->at("type").as_string() == "alert")
            out.push_back(m->at("alert").as_object());
    }
    return out;
}

command_result replay(std::string const& url, std::vector<std::string> extra = {})
{
    std::vector<std::string> args{"replay", "--fast", "--quiet", "--url", url};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_electd(args);
}

} // namespace

TEST_CASE("WebSocket: a filtered subscription gets a snapshot, then exactly the matching alerts live", "[e2e][stream]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db");
    ws_client gains(daemon.url());
    gains.send(R"({"subscribe": {"types": ["gain", "majority"]}})");
    auto snap = gains.next_of("snapshot");
    CHECK(snap.at("seq").as_int64() == 0);
    CHECK_FALSE(snap.as_object().contains("results")); // alerts only: no state asked for

    ws_client east(daemon.url());
    east.send(R"({"subscribe": {"types": ["result"], "regions": ["East Midlands"]}})");
    east.next_of("snapshot");

    REQUIRE(replay(daemon.url()).exit_code == 0);
    auto alerts = read_alerts(gains, 304); // 303 gains and the majority
    std::map<std::string, int> types;
    for (auto const& a : alerts)
        types[std::string(a.at("type").as_string())]++;
    CHECK(types["gain"] == 303);
    CHECK(types["majority"] == 1);
    CHECK_FALSE(gains.next(500ms)); // nothing else

    std::set<std::string> seats;
    while (auto m = east.next(1s)) {
        REQUIRE(m->at("type").as_string() == "result");
        seats.insert(std::string(m->at("constituency").as_string()));
    }
    CHECK(seats.size() == 47); // the East Midlands seats, each at least once
}

TEST_CASE("WebSocket: resume after a disconnect and after a restart, with no gap and no duplicate", "[e2e][stream]")
{
    temp_dir dir;
    auto db = dir / "electd.db";
    std::vector<json::object> received;
    {
        daemon_process daemon(db);
        {
            ws_client ws(daemon.url());
            ws.send(R"({"subscribe": {"types": ["alert"]}, "since": 0})");
            REQUIRE(replay(daemon.url(), {"--limit", "200"}).exit_code == 0);
            auto some = read_alerts(ws, 100);
            received.insert(received.end(), some.begin(), some.end());
        } // the client goes away mid-stream
        auto r = replay(daemon.url(), {"--limit", "400"});
        INFO(r.output << "\n" << daemon.log());
        REQUIRE(r.exit_code == 0);
        {
            ws_client ws(daemon.url());
            auto since = received.back().at("seq").as_int64();
            ws.send(R"({"subscribe": {"types": ["alert"]}, "since": )" + std::to_string(since) + "}");
            cli::http_client client(daemon.url());
            auto expected = total_alerts(client) - received.size();
            auto more = read_alerts(ws, expected);
            received.insert(received.end(), more.begin(), more.end());
        }
        CHECK(daemon.terminate() == 0);
    }
    // electd restarts; the client resumes from the last seq it saw, then the night goes on.
    daemon_process daemon(db);
    ws_client ws(daemon.url());
    ws.send(R"({"subscribe": {"types": ["alert"]}, "since": )" + std::to_string(received.back().at("seq").as_int64()) + "}");
    ws.next_of("snapshot");
    REQUIRE(replay(daemon.url()).exit_code == 0);
    cli::http_client client(daemon.url());
    auto rest = read_alerts(ws, total_alerts(client) - received.size());
    received.insert(received.end(), rest.begin(), rest.end());
    for (std::size_t i = 0; i < received.size(); ++i)
        REQUIRE(received[i].at("seq").as_int64() == static_cast<std::int64_t>(i + 1));
    CHECK(received.size() == total_alerts(client));
}

TEST_CASE("WebSocket: the snapshot carries the state asked for, and a subscription can change live", "[e2e][stream]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db");
    REQUIRE(replay(daemon.url(), {"--limit", "100"}).exit_code == 0);
    ws_client ws(daemon.url());
    ws.send(R"({"subscribe": {"types": ["result", "totals"], "constituencies": ["E14001295"]}})");
    auto snap = ws.next_of("snapshot");
    REQUIRE(snap.at("results").as_array().size() == 1);
    CHECK(snap.at("results").as_array()[0].at("result").at("text").as_string() == "Lab hold");
    CHECK(snap.at("totals").at("declared").as_int64() == 100);

    ws.send(R"({"subscribe": {"types": ["watchlist"]}, "since": 0})");
    auto again = ws.next_of("snapshot");
    CHECK_FALSE(again.as_object().contains("totals"));
    ws.send(R"({"subscribe": {"types": ["no-such-type"]}})");
    auto error = ws.next_of("error");
    CHECK(error.at("message").as_string().find("no-such-type") != std::string::npos);
    ws.send("not json");
    CHECK(ws.next_of("error").at("message").as_string().find("JSON object") != std::string::npos);
}

TEST_CASE("SSE: curl -N gets events with ids, and Last-Event-ID resumes", "[e2e][stream][sse]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db");
    REQUIRE(replay(daemon.url(), {"--limit", "50"}).exit_code == 0);
    cli::http_client client(daemon.url());
    auto total = total_alerts(client);
    REQUIRE(total > 20);

    auto curl = [&](std::string const& args) {
        return shell_output("curl -sN --max-time 4 " + args + " 2>&1");
    };
    auto out = curl("'" + daemon.url() + "/v1/events?type=alert&since=0'");
    CHECK(out.find("retry: 2000") != std::string::npos);
    CHECK(out.find("event: snapshot") != std::string::npos);
    CHECK(out.find("id: 1\nevent: alert\ndata: {") != std::string::npos);
    CHECK(out.find("id: " + std::to_string(total) + "\n") != std::string::npos);

    auto resumed = curl("-H 'Last-Event-ID: 20' '" + daemon.url() + "/v1/events?type=alert'");
    CHECK(resumed.find("id: 20\n") == std::string::npos);
    CHECK(resumed.find("id: 21\n") != std::string::npos);
    auto bad = curl("-i '" + daemon.url() + "/v1/events?min_severity=loud'");
    CHECK(bad.find("400") != std::string::npos);
}

TEST_CASE("A subscriber that stops reading is closed as too slow; the others and the tracker carry on",
          "[e2e][stream][slow]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db", {"--max-queue", "32"});
    ws_client slow(daemon.url(), "/v1/stream", 4096);
    slow.send(R"({"subscribe": {}})"); // everything: alerts, every result, totals
    slow.next_of("snapshot");
    slow.pause();
    ws_client fine(daemon.url());
    fine.send(R"({"subscribe": {"types": ["alert"]}})");
    fine.next_of("snapshot");

    auto started = std::chrono::steady_clock::now();
    REQUIRE(replay(daemon.url()).exit_code == 0);
    auto took = std::chrono::steady_clock::now() - started;
    cli::http_client client(daemon.url());
    auto all = read_alerts(fine, total_alerts(client));
    CHECK(all.size() == total_alerts(client));
    CHECK(took < 30s);

    slow.resume();
    auto reason = slow.close_reason(20s);
    REQUIRE(reason);
    CHECK(reason->first == 4008);
    CHECK(reason->second.find("slow consumer") != std::string::npos);
    auto metrics = client.get("/metrics").body;
    CHECK(metrics.find("electd_stream_slow_closed_total 1") != std::string::npos);
    CHECK(metrics.find("electd_stream_messages_coalesced_total 0\n") == std::string::npos);
}

TEST_CASE("Subscriber limits per address, heartbeats, and going away on shutdown", "[e2e][stream]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db", {"--max-subscribers-per-address", "2", "--heartbeat", "1"});
    ws_client one(daemon.url());
    ws_client two(daemon.url());
    one.send(R"({"subscribe": {}})");
    one.next_of("snapshot");
    ws_client three(daemon.url());
    auto refused = three.close_reason(5s);
    REQUIRE(refused);
    CHECK(refused->first == 1013);
    CHECK(refused->second.find("too many subscribers") != std::string::npos);

    auto beat = one.next_of("heartbeat", 5s);
    CHECK(beat.at("seq").as_int64() == 0);

    REQUIRE(daemon.terminate() == 0);
    auto bye = one.close_reason(5s);
    REQUIRE(bye);
    CHECK(bye->first == 1001);
}
