// Webhooks against a local receiver: signatures, order, retries with backoff, dead letters,
// the outbox across a restart, and HTTPS with certificate verification.
#include "tests/support/api.hpp"
#include "tests/support/http_receiver.hpp"
#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <openssl/evp.h>
#include <openssl/hmac.h>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::string hmac_hex(std::string const& secret, std::string const& body)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<unsigned char const*>(body.data()),
         body.size(), mac, &len);
    std::string out;
    char buf[3];
    for (unsigned i = 0; i < len; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", mac[i]);
        out += buf;
    }
    return "sha256=" + out;
}

std::filesystem::path write_config(temp_dir const& dir, std::string const& webhooks)
{
    auto path = dir / "electd.toml";
    std::ofstream(path) << webhooks;
    return path;
}

std::vector<std::int64_t> alert_seqs(cli::http_client& client, std::string const& filter)
{
    std::vector<std::int64_t> out;
    auto page = get_json(client, "/v1/alerts?limit=1000&" + filter);
    for (auto const& a : page.at("alerts").as_array())
        out.push_back(a.at("seq").as_int64());
    return out;
}

command_result replay(std::string const& url, std::string const& limit)
{
    return run_electd({"replay", "--fast", "--quiet", "--limit", limit, "--url", url});
}

} // namespace

TEST_CASE("Webhooks deliver every matching alert, signed, in order", "[e2e][webhooks]")
{
    temp_dir dir;
    http_receiver receiver;
    auto config = write_config(dir, "[[webhooks]]\nname = \"graphics\"\nurl = \"" + receiver.url() +
                                        "\"\nsecret = \"s3cret\"\ntypes = [\"gain\", \"majority\"]\n");
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    REQUIRE(replay(daemon.url(), "150").exit_code == 0);
    cli::http_client client(daemon.url());
    auto expected = alert_seqs(client, "type=gain,majority");
    REQUIRE(expected.size() > 30);
    REQUIRE(receiver.wait_for(expected.size()));
    auto got = receiver.received();
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        auto const& r = got[i];
        CHECK(r.method == "POST");
        CHECK(r.target == "/hook");
        CHECK(r.headers.at("content-type") == "application/json");
        CHECK(r.headers.at("x-electd-signature") == hmac_hex("s3cret", r.body)); // the receiver's own check
        auto body = json::parse(r.body);
        CHECK(body.at("seq").as_int64() == expected[i]);
        CHECK(r.headers.at("idempotency-key") == "graphics-" + std::to_string(expected[i]));
        CHECK(body.at("alert").at("type").as_string().size() > 0);
    }
    auto status = get_json(client, "/v1/webhooks").at("webhooks").as_array().at(0);
    CHECK(status.at("name").as_string() == "graphics");
    CHECK(status.at("delivered_seq").as_int64() == expected.back());
    CHECK(status.at("pending").as_int64() == 0);
    CHECK(client.get("/metrics").body.find("electd_webhook_delivered_total " + std::to_string(expected.size())) !=
          std::string::npos);
}

TEST_CASE("Webhooks retry with backoff after failures, keep order, and dead-letter what never succeeds",
          "[e2e][webhooks]")
{
    temp_dir dir;
    http_receiver flaky;
    int calls = 0;
    flaky.respond_with([&](http_receiver::request const&) {
        ++calls; // the first three attempts fail, with a 500, a hang-up and a 503
        if (calls == 1)
            return http_receiver::answer{500};
        if (calls == 2)
            return http_receiver::answer{200, "", {}, 0ms, true};
        if (calls == 3)
            return http_receiver::answer{503};
        return http_receiver::answer{};
    });
    http_receiver broken;
    broken.respond_with([](http_receiver::request const&) { return http_receiver::answer{500}; });
    auto config = write_config(dir, "[[webhooks]]\nname = \"flaky\"\nurl = \"" + flaky.url() +
                                        "\"\nsecret = \"a\"\ntypes = [\"gain\"]\nbackoff_ms = 50\nmax_backoff_ms = 200\n"
                                        "\n[[webhooks]]\nname = \"broken\"\nurl = \"" + broken.url() +
                                        "\"\nsecret = \"b\"\ntypes = [\"majority\", \"milestone\"]\nbackoff_ms = 20\n"
                                        "max_attempts = 2\n");
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    REQUIRE(replay(daemon.url(), "60").exit_code == 0);
    cli::http_client client(daemon.url());
    auto gains = alert_seqs(client, "type=gain");
    REQUIRE(flaky.wait_for(gains.size() + 3));
    auto got = flaky.received();
    std::vector<std::int64_t> delivered;
    for (std::size_t i = 3; i < got.size(); ++i)
        delivered.push_back(json::parse(got[i].body).at("seq").as_int64());
    CHECK(delivered == gains); // in order, none lost, after three failed attempts at the first
    CHECK(json::parse(got[0].body).at("seq").as_int64() == gains[0]);
    // The third attempt succeeded (a hang-up is retried once at once on a fresh connection).
    CHECK(got[3].headers.at("x-electd-delivery") == "3");

    auto milestones = alert_seqs(client, "type=majority,milestone");
    REQUIRE_FALSE(milestones.empty());
    json::value dead;
    for (int i = 0; i < 100; ++i) { // dead letters appear once both attempts fail
        dead = get_json(client, "/v1/webhooks/broken/dead-letters");
        if (dead.at("dead_letters").as_array().size() == milestones.size())
            break;
        std::this_thread::sleep_for(100ms);
    }
    auto const& letters = dead.at("dead_letters").as_array();
    REQUIRE(letters.size() == milestones.size());
    CHECK(letters[0].at("alert_seq").as_int64() == milestones[0]);
    CHECK(letters[0].at("attempts").as_int64() == 2);
    CHECK(letters[0].at("last_error").as_string() == "HTTP 500");
    CHECK(client.get("/v1/webhooks/nobody/dead-letters").status == 404);
}

TEST_CASE("The webhook outbox survives a restart: nothing is skipped while the receiver was down", "[e2e][webhooks]")
{
    temp_dir dir;
    unsigned short port = 0;
    {
        http_receiver probe; // find a free port, then leave it closed: the receiver is down
        port = probe.port();
    }
    auto config = write_config(dir, "[[webhooks]]\nname = \"late\"\nurl = \"http://localhost:" + std::to_string(port) +
                                        "/hook\"\nsecret = \"x\"\ntypes = [\"gain\"]\nbackoff_ms = 50\nmax_backoff_ms = 100\n"
                                        "max_attempts = 1000\n");
    std::vector<std::int64_t> gains;
    {
        daemon_process daemon(dir / "electd.db", {"--config", config.string()});
        REQUIRE(replay(daemon.url(), "80").exit_code == 0);
        cli::http_client client(daemon.url());
        gains = alert_seqs(client, "type=gain");
        auto status = get_json(client, "/v1/webhooks").at("webhooks").as_array().at(0);
        CHECK(status.at("delivered_seq").as_int64() == 0);
        CHECK(status.at("pending").as_int64() == static_cast<std::int64_t>(gains.size()));
        CHECK(daemon.terminate() == 0);
    }
    http_receiver receiver({}, port);
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    REQUIRE(receiver.wait_for(gains.size()));
    std::vector<std::int64_t> delivered;
    for (auto const& r : receiver.received())
        delivered.push_back(json::parse(r.body).at("seq").as_int64());
    CHECK(delivered == gains);
}

TEST_CASE("HTTPS webhooks verify the receiver's certificate", "[e2e][webhooks][tls]")
{
    temp_dir dir;
    make_test_certificate(dir.path());
    http_receiver receiver(dir.path());
    auto config = write_config(dir, "[[webhooks]]\nname = \"trusted\"\nurl = \"" + receiver.url() +
                                        "\"\nsecret = \"t\"\ntypes = [\"milestone\"]\nca_file = \"" +
                                        (dir / "cert.pem").string() + "\"\n\n[[webhooks]]\nname = \"untrusted\"\nurl = \"" +
                                        receiver.url("/other") + "\"\nsecret = \"u\"\ntypes = [\"milestone\"]\n"
                                        "backoff_ms = 60000\n");
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    REQUIRE(replay(daemon.url(), "5").exit_code == 0);
    REQUIRE(receiver.wait_for(1));
    cli::http_client client(daemon.url());
    json::object untrusted;
    for (int i = 0; i < 100 && untrusted.empty(); ++i) { // the receiver serves one connection at a time
        auto hooks = get_json(client, "/v1/webhooks");
        for (auto const& w : hooks.at("webhooks").as_array())
            if (w.at("name").as_string() == "untrusted" && w.at("attempts").as_int64() >= 1)
                untrusted = w.as_object();
        std::this_thread::sleep_for(100ms);
    }
    REQUIRE_FALSE(untrusted.empty());
    CHECK(untrusted.at("last_error").as_string().find("TLS handshake") != std::string::npos);
    auto got = receiver.received();
    REQUIRE(got.size() == 1); // only the endpoint that trusts the certificate got through
    CHECK(got[0].target == "/hook");
}

TEST_CASE("A bad configuration is refused with the file, line and reason", "[e2e][config]")
{
    temp_dir dir;
    auto bad = write_config(dir, "[server]\nthreads = 0\n");
    auto r = run_electd({"check-config", bad.string()});
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("electd.toml:2:11: server.threads must be at least 1") != std::string::npos);
    auto hook = write_config(dir, "[[webhooks]]\nname = \"x\"\nurl = \"ftp://nope\"\nsecret = \"s\"\n");
    CHECK(run_electd({"check-config", hook.string()}).output.find("must start with http:// or https://") !=
          std::string::npos);
    auto good = write_config(dir, "[server]\nlisten = \"127.0.0.1:0\"\n[stream]\nheartbeat = 5\n");
    auto ok = run_electd({"check-config", good.string()});
    CHECK(ok.exit_code == 0);
    CHECK(ok.output.find("heartbeat = 5") != std::string::npos);
    auto wide = run_electd({"serve", "--listen", "0.0.0.0:0", "--db", (dir / "x.db").string()});
    CHECK(wide.exit_code == 2);
    CHECK(wide.output.find("refusing to listen on 0.0.0.0") != std::string::npos);
}
