// Running electd as a service: Prometheus metrics and readiness, JSON logs with request ids,
// systemd notifications (READY, RELOADING, WATCHDOG, STOPPING), SIGHUP reloading tokens and
// forecast files without dropping a connection, and TLS on the listener.
#include "daemon/auth.hpp"
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"
#include "tests/support/ws_client.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace electd;
using namespace electd::test;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string slurp(fs::path const& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text(fs::path const& path, std::string const& text)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// The value of a sample line "NAME VALUE" (NAME with its labels), or -1 if absent.
double sample(std::string const& metrics, std::string const& name)
{
    std::istringstream in(metrics);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(name + " "))
            return std::stod(line.substr(name.size() + 1));
    return -1;
}

std::string token_entry(char const* name, char const* role, char const* secret)
{
    return std::string("[[tokens]]\nname = \"") + name + "\"\nrole = \"" + role + "\"\nsha256 = \""
           + daemon::token_hash(secret) + "\"\n\n";
}

void hang_up(daemon_process& daemon)
{
    ::kill(daemon.pid(), SIGHUP);
}

// Waits until the log holds `text` `count` times.
void await_log(daemon_process& daemon, std::string const& text, std::size_t count = 1)
{
    auto occurrences = [&] {
        auto log = daemon.log();
        std::size_t n = 0;
        for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
            ++n;
        return n;
    };
    if (!eventually([&] { return occurrences() >= count; }, 20s))
        FAIL("the log never said '" << text << "' " << count << " time(s):\n" << daemon.log());
}

// A unix datagram socket standing in for systemd's $NOTIFY_SOCKET.
class notify_socket {
public:
    explicit notify_socket(fs::path path) : path_(std::move(path))
    {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        timeval tv{0, 100'000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~notify_socket() { ::close(fd_); }

    /// Every datagram received so far, in order.
    std::vector<std::string> const& received()
    {
        char buf[4096];
        for (;;) {
            auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
            if (n <= 0)
                break;
            messages_.emplace_back(buf, static_cast<std::size_t>(n));
        }
        return messages_;
    }
    std::size_t count(std::string const& needle)
    {
        std::size_t n = 0;
        for (auto const& m : received())
            n += m.find(needle) != std::string::npos;
        return n;
    }

private:
    fs::path path_;
    int fd_ = -1;
    std::vector<std::string> messages_;
};

} // namespace

TEST_CASE("/metrics has ingest latencies, batch sizes, alerts by type and the database size; /readyz says ready",
          "[e2e][operations]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db");
    cli::http_client client(daemon.url());

    auto ready = client.get("/readyz");
    CHECK(ready.status == 200);
    CHECK(ready.header("Date").value_or("").ends_with(" GMT")); // RFC 9110: servers with a clock send one
    auto r = json::parse(ready.body);
    CHECK(r.at("ready").as_bool());
    CHECK(r.at("checks").at("storage").as_bool());
    CHECK(r.at("checks").at("tracker").as_bool());

    auto const& night = the_night();
    for (std::size_t i = 0; i < 5; ++i)
        REQUIRE(client.post_json("/v1/declarations", night[i].to_native_json()).status == 201);
    REQUIRE(client.post_json("/v1/declarations", night[0].to_native_json()).status == 200); // a repeat
    REQUIRE(client.post_json("/v1/declarations", "{\"constituency\": 7}").status == 422);

    auto answer = client.get("/metrics");
    REQUIRE(answer.status == 200);
    CHECK(answer.header("Content-Type").value_or("").starts_with("text/plain; version=0.0.4"));
    auto const& m = answer.body;
    INFO(m);
    // Ingest by source and outcome, counted and timed.
    CHECK(sample(m, R"(electd_ingest_messages_total{source="http",result="stored"})") == 5);
    CHECK(sample(m, R"(electd_ingest_seconds_count{source="http",result="stored"})") == 5);
    CHECK(sample(m, R"(electd_ingest_seconds_bucket{source="http",result="stored",le="+Inf"})") == 5);
    CHECK(sample(m, R"(electd_ingest_seconds_sum{source="http",result="stored"})") > 0);
    CHECK(sample(m, R"(electd_ingest_seconds_count{source="http",result="duplicate"})") == 1);
    CHECK(sample(m, R"(electd_ingest_seconds_count{source="http",result="invalid"})") == 1);
    // The tracker's batches: every stored declaration was in one.
    CHECK(m.find("# TYPE electd_tracker_batch_size histogram") != std::string::npos);
    CHECK(sample(m, R"(electd_tracker_batch_size_bucket{le="+Inf"})") >= 1);
    CHECK(sample(m, "electd_tracker_batch_size_sum") >= 5);
    CHECK(sample(m, R"(electd_tracker_commit_seconds_bucket{le="+Inf"})") >= 1);
    CHECK(sample(m, "electd_tracker_queue_depth") == 0);
    // Alerts by type add up to the total.
    double by_type = 0;
    std::istringstream in(m);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with("electd_alerts_by_type_total{"))
            by_type += std::stod(line.substr(line.rfind(' ') + 1));
    CHECK(by_type >= 5); // every first declaration is a gain or a hold at least
    CHECK(by_type == sample(m, "electd_alerts_total"));
    // The database on disk, WAL included.
    auto bytes = sample(m, "electd_sqlite_bytes");
    CHECK(bytes >= static_cast<double>(fs::file_size(dir / "electd.db")));
    CHECK(sample(m, "electd_http_requests_in_flight") == 1); // this one
}

TEST_CASE("JSON logs: one object per line, each request's id echoed and logged, tokens redacted",
          "[e2e][operations][logs]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db", {"--log-format", "json", "--log-level", "debug"});
    cli::http_client client(daemon.url());

    auto answer = client.request("POST", "/v1/declarations", the_night()[0].to_native_json(), "application/json",
                                 {{"X-Request-Id", "desk-42.a"}});
    REQUIRE(answer.status == 201);
    CHECK(answer.header("X-Request-Id") == "desk-42.a");
    // A malformed id is replaced by one of electd's own.
    auto fresh = client.request("GET", "/v1/totals?access_token=sekrit", {}, "application/json",
                                {{"X-Request-Id", "no spaces allowed"}});
    auto assigned = fresh.header("X-Request-Id").value_or("");
    CHECK(assigned.size() == 16);
    await_log(daemon, "req=" + assigned);

    auto log = daemon.log();
    CHECK(log.find("req=desk-42.a") != std::string::npos);
    CHECK(log.find("sekrit") == std::string::npos);
    CHECK(log.find("access_token=REDACTED") != std::string::npos);
    std::istringstream lines(log);
    std::size_t parsed = 0;
    for (std::string line; std::getline(lines, line);) {
        INFO(line);
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        REQUIRE(!ec);
        REQUIRE(v.is_object());
        CHECK(v.as_object().contains("time"));
        CHECK(v.as_object().contains("level"));
        CHECK(v.as_object().contains("module"));
        CHECK(v.as_object().contains("message"));
        ++parsed;
    }
    CHECK(parsed > 3);
}

TEST_CASE("systemd: READY once listening, WATCHDOG pings, RELOADING on SIGHUP, STOPPING on SIGTERM",
          "[e2e][operations][systemd]")
{
    temp_dir dir;
    notify_socket sd(dir / "notify.sock");
    ::setenv("NOTIFY_SOCKET", (dir / "notify.sock").c_str(), 1);
    ::setenv("WATCHDOG_USEC", "400000", 1); // pings every 200 ms
    daemon_process daemon(dir / "electd.db");
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");

    REQUIRE(eventually([&] { return sd.count("READY=1") == 1; }, 10s));
    CHECK(sd.received().front().find("STATUS=listening on 127.0.0.1:" + std::to_string(daemon.port()))
          != std::string::npos);
    CHECK(eventually([&] { return sd.count("WATCHDOG=1") >= 3; }, 10s));

    hang_up(daemon);
    CHECK(eventually([&] { return sd.count("RELOADING=1") == 1 && sd.count("READY=1") == 2; }, 10s));

    CHECK(daemon.terminate() == 0);
    CHECK(sd.count("STOPPING=1") == 1);
    CHECK(sd.received().back() == "STOPPING=1");
}

TEST_CASE("SIGHUP reloads tokens without dropping an open stream, and keeps running on a bad file",
          "[e2e][operations][reload]")
{
    temp_dir dir;
    auto config = dir / "electd.toml";
    auto ingest = token_entry("pa-feed", "ingest", "ingest-secret");
    write_text(config, ingest + token_entry("graphics", "read", "old-secret"));
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    cli::http_client client(daemon.url());
    auto status_with = [&](std::string const& token) {
        client.set_token(token);
        return client.get("/v1/totals").status;
    };
    REQUIRE(status_with("old-secret") == 200);
    ws_client stream(daemon.url(), "/v1/stream?access_token=old-secret");
    stream.next_of("snapshot");

    // The graphics token is rotated.
    write_text(config, ingest + token_entry("graphics", "read", "new-secret"));
    hang_up(daemon);
    await_log(daemon, "reload: 2 tokens");
    CHECK(status_with("new-secret") == 200);
    CHECK(status_with("old-secret") == 401);

    // The stream opened with the old token stays open and keeps receiving.
    client.set_token("ingest-secret");
    REQUIRE(client.post_json("/v1/declarations", the_night()[0].to_native_json()).status == 201);
    CHECK(stream.next_of("alert").at("seq").as_int64() == 1);

    // A broken file is reported with its line, and the running configuration stays.
    write_text(config, ingest + "[[tokens]\nname = ");
    hang_up(daemon);
    await_log(daemon, "reload: the configuration is not valid, keeping the running one");
    CHECK(daemon.log().find("electd.toml") != std::string::npos);
    CHECK(daemon.running());
    CHECK(status_with("new-secret") == 200);

    // A setting that needs a restart is named, not silently ignored.
    write_text(config, ingest + token_entry("graphics", "read", "new-secret") + "[limits]\nmax_connections = 99\n");
    hang_up(daemon);
    await_log(daemon, "limits.max_connections changed from '4096' to '99'; it takes effect on restart");
    CHECK(daemon.terminate() == 0);
}

TEST_CASE("SIGHUP cannot take the tokens away from a listener beyond loopback", "[e2e][operations][reload]")
{
    temp_dir dir;
    auto config = dir / "electd.toml";
    write_text(config, token_entry("graphics", "read", "read-secret") + token_entry("pa-feed", "ingest", "ingest-secret"));
    daemon_process daemon(dir / "electd.db", {"--config", config.string(), "--listen", "0.0.0.0:0"});
    CHECK(daemon.log().find("listening on http://0.0.0.0:") != std::string::npos);
    cli::http_client client(daemon.url());
    CHECK(client.get("/v1/totals").status == 401);

    // Every token removed, and the file now says loopback: the socket is still on 0.0.0.0.
    write_text(config, "[server]\nlisten = \"127.0.0.1:8080\"\n");
    hang_up(daemon);
    await_log(daemon, "reload: the configuration is not valid, keeping the running one");
    CHECK(daemon.log().find("refusing to listen on 0.0.0.0") != std::string::npos);
    CHECK(client.get("/v1/totals").status == 401);
    client.set_token("read-secret");
    CHECK(client.get("/v1/totals").status == 200);
}

TEST_CASE("SIGHUP reloads changed forecast files and seats to watch from the reference directory, and only those",
          "[e2e][operations][reload]")
{
    temp_dir dir;
    auto reference = dir / "reference";
    fs::copy(source_dir() / "data/ge2024/reference", reference, fs::copy_options::recursive);
    daemon_process daemon(dir / "electd.db", {"--reference", reference.string()});
    cli::http_client client(daemon.url());
    auto before = client.get("/v1/projections/yougov");
    REQUIRE(before.status == 200);

    hang_up(daemon);
    await_log(daemon, "reload: 0 forecast models changed");

    // YouGov revises one seat: 28/33 Con/Lab becomes 40/21.
    auto file = reference / "models/yougov.csv";
    auto text = slurp(file);
    auto row = text.find("E14001063,28,6,10,33,");
    REQUIRE(row != std::string::npos);
    text.replace(row, std::string("E14001063,28,6,10,33,").size(), "E14001063,40,6,10,21,");
    write_text(file, text);
    hang_up(daemon);
    await_log(daemon, "reload: model yougov replaced");
    await_log(daemon, "reload: 1 forecast models changed");
    auto after = client.get("/v1/projections/yougov");
    REQUIRE(after.status == 200);
    CHECK(after.body != before.body);
    CHECK(std::stoll(after.header("X-Electd-Seq").value_or("0")) > std::stoll(before.header("X-Electd-Seq").value_or("0")));

    // A broken model file keeps the running models.
    write_text(file, "ons_code,Con\nE14001063,lots\n");
    hang_up(daemon);
    await_log(daemon, "are not valid, keeping the running models");
    CHECK(client.get("/v1/projections/yougov").body == after.body);
    await_log(daemon, "reload: seats to watch unchanged", 2);

    // The seats to watch: Derby North leaves the list, Aldershot joins it with its own note.
    auto watch_of = [&](std::string const& ons) { return get_json(client, "/v1/constituencies/" + ons).at("watch"); };
    REQUIRE(watch_of("E14001193").is_object());
    REQUIRE(watch_of("E14001063").is_null());
    auto list = reference / "watchlist.csv";
    auto watch = slurp(list);
    auto derby = watch.find("E14001193,");
    watch.erase(derby, watch.find('\n', derby) + 1 - derby);
    write_text(list, watch + "E14001063,Aldershot,\"added on the night\"\n");
    hang_up(daemon);
    await_log(daemon, "reload: seats to watch replaced (10 seats)");
    CHECK(watch_of("E14001193").is_null());
    CHECK(watch_of("E14001063").at("note").as_string() == "added on the night");

    // A seat electd does not know is refused with its line; the list stays.
    write_text(list, watch + "E99999999,Nowhere,\"?\"\n");
    hang_up(daemon);
    await_log(daemon, "watchlist.csv is not valid, keeping the running seats to watch");
    CHECK(daemon.log().find("unknown constituency 'E99999999'") != std::string::npos);
    CHECK(watch_of("E14001063").at("note").as_string() == "added on the night");

    // Stored: a restart keeps the list as reloaded, not as first loaded.
    daemon.terminate();
    daemon_process again(dir / "electd.db");
    cli::http_client client2(again.url());
    CHECK(get_json(client2, "/v1/constituencies/E14001063").at("watch").at("note").as_string() == "added on the night");
    CHECK(get_json(client2, "/v1/constituencies/E14001193").at("watch").is_null());
}

TEST_CASE("TLS: the listener speaks HTTPS (and SSE and WebSocket over it) with the configured certificate, and refuses plain HTTP",
          "[e2e][operations][tls]")
{
    temp_dir dir;
    auto cert = dir / "cert.pem", key = dir / "key.pem";
    auto made = shell_output("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                             "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '"
                             + key.string() + "' -out '" + cert.string() + "' 2>&1");
    REQUIRE(fs::exists(cert));
    daemon_process daemon(dir / "electd.db", {"--tls-cert", cert.string(), "--tls-key", key.string()});
    auto https = "https://127.0.0.1:" + std::to_string(daemon.port());
    CHECK(daemon.log().find("listening on https://127.0.0.1:") != std::string::npos);

    // Certificate verification on: curl trusts only this certificate.
    auto health = shell_output("curl -s --max-time 10 --cacert '" + cert.string() + "' -H 'X-Request-Id: tls-1' -D - '"
                               + https + "/healthz'");
    CHECK(health.starts_with("HTTP/1.1 200"));
    CHECK(health.find("X-Request-Id: tls-1") != std::string::npos);
    auto events = shell_output("curl -sN --max-time 2 --cacert '" + cert.string() + "' '" + https + "/v1/events'");
    CHECK(events.find("retry: 2000") != std::string::npos);
    CHECK(events.find("event: snapshot") != std::string::npos);

    // A WebSocket over TLS (wss://), spoken by hand through openssl: the upgrade is answered
    // and the snapshot follows in an unmasked server frame, so its JSON shows in the bytes.
    auto wss = shell_output("(printf 'GET /v1/stream?types=gain HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n"
                            "Upgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Key: "
                            "dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n'; sleep 2) | "
                            "timeout 10 openssl s_client -quiet -verify_return_error -CAfile '" + cert.string()
                            + "' -connect 127.0.0.1:" + std::to_string(daemon.port()) + " 2>/dev/null");
    CHECK(wss.starts_with("HTTP/1.1 101"));
    CHECK(wss.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos); // RFC 6455's example accept key
    CHECK(wss.find("\"type\":\"snapshot\"") != std::string::npos);

    // Plain HTTP to the TLS port gets nothing, and the operator is told why.
    auto plain = shell_output("curl -s --max-time 5 -o /dev/null -w '%{http_code}' 'http://127.0.0.1:"
                              + std::to_string(daemon.port()) + "/healthz'");
    CHECK(plain == "000");
    await_log(daemon, "plain HTTP sent to the HTTPS port");
    CHECK(daemon.running());

    // A key that does not exist stops the start with the file named.
    auto bad = run_electd({"serve", "--listen", "127.0.0.1:0", "--db", (dir / "other.db").string(), "--tls-cert",
                           cert.string(), "--tls-key", (dir / "missing.pem").string()},
                          30s);
    CHECK(bad.exit_code != 0);
    CHECK(bad.output.find("missing.pem") != std::string::npos);
}
