// Who may do what: tokens with roles from the configuration (kept as SHA-256 hashes), open
// reads, request rates per token, per-address connection limits, and the refusal to listen
// beyond loopback with nobody's token required.
#include "daemon/auth.hpp"
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"
#include "tests/support/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;
using header_list = std::vector<std::pair<std::string, std::string>>;

namespace {

header_list bearer(std::string const& token)
{
    return {{"Authorization", "Bearer " + token}};
}

// A configuration with one token per role, plus a read token limited to 1 request a second.
std::filesystem::path write_token_config(temp_dir const& dir, std::string const& extra = {})
{
    auto path = dir / "electd.toml";
    std::ofstream f(path);
    auto token = [&](char const* name, char const* role, char const* secret, double rate = 0) {
        f << "[[tokens]]\nname = \"" << name << "\"\nrole = \"" << role << "\"\nsha256 = \""
          << daemon::token_hash(secret) << "\"\nrate = " << rate << "\n\n";
    };
    token("graphics", "read", "read-secret");
    token("pa-feed", "ingest", "ingest-secret");
    token("desk", "admin", "admin-secret");
    token("slow", "read", "slow-secret", 1);
    f << extra;
    return path;
}

std::string first_declaration()
{
    return the_night().front().to_native_json();
}

} // namespace

TEST_CASE("Tokens: each role may do its own work and no more; the token itself is never stored", "[e2e][auth]")
{
    temp_dir dir;
    auto config = write_token_config(dir);
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    cli::http_client client(daemon.url());

    // Health checks and the dashboard's files need nothing.
    CHECK(client.get("/healthz").status == 200);
    CHECK(client.get("/").status == 200);

    // Reads: no token, a wrong one, then the right one.
    auto none = client.get("/v1/totals");
    CHECK(none.status == 401);
    CHECK(json::parse(none.body).at("error").as_string() == "unauthorized");
    CHECK(client.request("GET", "/v1/totals", {}, {}, bearer("guess")).status == 401);
    CHECK(client.request("GET", "/v1/totals", {}, {}, {{"Authorization", "Basic cmVhZA=="}}).status == 401);
    CHECK(client.request("GET", "/v1/totals", {}, {}, bearer("read-secret")).status == 200);
    CHECK(client.request("GET", "/v1/totals", {}, {}, bearer("ingest-secret")).status == 200); // ingest may read

    // Ingest: a read token is known but forbidden; the declaration is not stored.
    auto body = first_declaration();
    auto forbidden = client.request("POST", "/v1/declarations", body, "application/json", bearer("read-secret"));
    CHECK(forbidden.status == 403);
    CHECK(json::parse(forbidden.body).at("message").as_string().find("'graphics'") != std::string::npos);
    CHECK(client.request("POST", "/v1/declarations", body).status == 401);
    CHECK(query_int(dir / "electd.db", "SELECT count(*) FROM declarations") == 0);
    auto stored = client.request("POST", "/v1/declarations", body, "application/json", bearer("ingest-secret"));
    INFO(stored.body);
    CHECK(stored.status == 201);
    CHECK(query_int(dir / "electd.db", "SELECT count(*) FROM declarations") == 1);

    // Admin: only the admin token.
    std::string scenario = R"({"title":"Lab +5","changes":{"Lab":5,"Con":-5}})";
    CHECK(client.request("PUT", "/v1/admin/scenarios/lab-plus-5", scenario, "application/json", bearer("ingest-secret")).status
          == 403);
    CHECK(client.request("PUT", "/v1/admin/scenarios/lab-plus-5", scenario, "application/json", bearer("admin-secret")).status
          == 201);
    CHECK(client.request("GET", "/v1/totals", {}, {}, bearer("admin-secret")).status == 200);

    // Push sessions take the token as a header or, for EventSource, as ?access_token=.
    CHECK_THROWS(ws_client(daemon.url())); // the upgrade is answered 401
    ws_client reader(daemon.url(), "/v1/stream?access_token=read-secret");
    reader.send(R"({"subscribe": {"types": ["gain"]}})");
    CHECK(reader.next_of("snapshot").at("seq").as_int64() >= 0);
    CHECK(client.get("/v1/events").status == 401);

    // Neither the configuration's hash nor any secret reaches the database or the log.
    for (auto const* secret : {"read-secret", "ingest-secret", "admin-secret"})
        CHECK(daemon.log().find(secret) == std::string::npos);

    // Every refusal is counted.
    auto metrics = client.request("GET", "/metrics", {}, {}, bearer("read-secret")).body;
    CHECK(metrics.find("electd_http_rejected_total{reason=\"unauthenticated\"} 0") == std::string::npos);
    CHECK(metrics.find("electd_http_rejected_total{reason=\"forbidden\"} 2") != std::string::npos);
}

TEST_CASE("Tokens: a token over its request rate is told to slow down, then let through again", "[e2e][auth]")
{
    temp_dir dir;
    auto config = write_token_config(dir);
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    cli::http_client client(daemon.url());
    int ok = 0, limited = 0;
    std::string retry_after;
    for (int i = 0; i < 6; ++i) {
        auto a = client.request("GET", "/v1/totals", {}, {}, bearer("slow-secret"));
        if (a.status == 200)
            ++ok;
        else if (a.status == 429) {
            ++limited;
            for (auto const& [k, v] : a.headers)
                if (k == "Retry-After")
                    retry_after = v;
        }
    }
    // A burst of two at most (the bucket holds twice the rate); the rest are refused.
    CHECK(ok >= 2);
    CHECK(ok <= 3);
    CHECK(limited == 6 - ok);
    CHECK(retry_after == "1");
    // Other tokens are not slowed by it.
    CHECK(client.request("GET", "/v1/totals", {}, {}, bearer("read-secret")).status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    CHECK(client.request("GET", "/v1/totals", {}, {}, bearer("slow-secret")).status == 200);
}

TEST_CASE("Tokens: open reads leave reads open and still guard ingest; replay sends its token", "[e2e][auth]")
{
    temp_dir dir;
    auto config = write_token_config(dir, "[auth]\nopen_reads = true\n");
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    cli::http_client client(daemon.url());
    CHECK(client.get("/v1/totals").status == 200);
    CHECK(client.post_json("/v1/declarations", first_declaration()).status == 401);

    auto refused = run_electd({"replay", "--fast", "--quiet", "--limit", "3", "--retry-for", "0", "--url", daemon.url()});
    CHECK(refused.exit_code != 0);
    auto sent = run_electd({"replay", "--fast", "--quiet", "--limit", "3", "--url", daemon.url(), "--token", "ingest-secret"});
    INFO(sent.output);
    CHECK(sent.exit_code == 0);
    CHECK(query_int(dir / "electd.db", "SELECT count(*) FROM declarations") == 3);
}

TEST_CASE("Listening beyond loopback needs read and ingest tokens; a bad token table is explained", "[e2e][auth]")
{
    temp_dir dir;
    auto open = run_electd({"serve", "--listen", "0.0.0.0:0", "--db", (dir / "a.db").string()}, std::chrono::seconds(30));
    CHECK(open.exit_code != 0);
    CHECK(open.output.find("refusing to listen on 0.0.0.0") != std::string::npos);
    CHECK(open.output.find("[[tokens]]") != std::string::npos);
    // An admin token alone guards nothing else, so it is not enough either.
    auto admin_only = run_electd({"serve", "--listen", "0.0.0.0:0", "--admin-token", "x", "--db", (dir / "a.db").string()},
                                 std::chrono::seconds(30));
    CHECK(admin_only.exit_code != 0);
    CHECK_FALSE(std::filesystem::exists(dir / "a.db"));

    auto bad = dir / "bad.toml";
    std::ofstream(bad) << "[[tokens]]\nname = \"graphics\"\nrole = \"reader\"\nsha256 = \"abc\"\n";
    auto checked = run_electd({"check-config", bad.string()});
    CHECK(checked.exit_code != 0);
    CHECK(checked.output.find("bad.toml:3:8: tokens.role must be \"read\", \"ingest\" or \"admin\"") != std::string::npos);

    auto good = write_token_config(dir);
    auto described = run_electd({"check-config", good.string()});
    INFO(described.output);
    CHECK(described.exit_code == 0);
    CHECK(described.output.find("name = \"slow\"") != std::string::npos);
}

TEST_CASE("Connections per address are limited; the others are unaffected", "[e2e][auth][limits]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db", {"--max-connections-per-address", "3"});
    namespace asio = boost::asio;
    asio::io_context ioc;
    std::vector<asio::ip::tcp::socket> held;
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), daemon.port());
    for (int i = 0; i < 3; ++i) {
        held.emplace_back(ioc);
        held.back().connect(ep);
    }
    // The fourth is told why, with a 503 it can retry after, and closed at once by electd.
    asio::ip::tcp::socket fourth(ioc);
    fourth.connect(ep);
    std::string answer;
    boost::system::error_code ec;
    asio::read(fourth, asio::dynamic_buffer(answer), ec);
    CHECK(ec == asio::error::eof);
    CHECK(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
    CHECK(answer.find("Retry-After: 5\r\n") != std::string::npos);
    CHECK(answer.find("\"error\":\"too_many_connections\"") != std::string::npos);
    CHECK(answer.find("the per-address limit (--max-connections-per-address)") != std::string::npos);
    // A flood of refusals is logged at most once a second, each line with its count.
    auto flood_started = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
        asio::ip::tcp::socket extra(ioc);
        extra.connect(ep);
        std::string refused;
        asio::read(extra, asio::dynamic_buffer(refused), ec);
        CHECK(refused.starts_with("HTTP/1.1 503"));
    }
    auto flood_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - flood_started).count();
    auto log_text = daemon.log();
    std::size_t lines = 0;
    for (auto at = log_text.find("since the last such line"); at != std::string::npos;
         at = log_text.find("since the last such line", at + 1))
        ++lines;
    CHECK(lines >= 1);
    CHECK(static_cast<double>(lines) <= flood_seconds + 2);
    held.clear();
    // Once they close, new ones are welcome again.
    cli::http_client client(daemon.url());
    for (int tries = 0; tries < 50 && client.get("/healthz").status != 200; ++tries)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(client.get("/healthz").status == 200);
    CHECK(client.get("/metrics").body.find("electd_http_connections_refused_per_address_total 21") != std::string::npos);
}
