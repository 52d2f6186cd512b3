// The feed clients against the real daemon: a drop folder (partial writes, renames, a restart
// mid-way), an HTTP poller (documents, 304s, errors with backoff, timeouts, a PA listing) and an
// upstream WebSocket (sequence numbers, a dropped connection, since on reconnect).
#include "tests/support/api.hpp"
#include "tests/support/http_receiver.hpp"
#include "tests/support/process.hpp"
#include "tests/support/ws_upstream.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

fs::path write_config(temp_dir const& dir, std::string const& text)
{
    auto path = dir / "electd.toml";
    std::ofstream(path) << text;
    return path;
}

void write_file(fs::path const& path, std::string const& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

std::string read_file(fs::path const& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// As eventually, failing the test with the daemon's log if it does not happen.
template <class Pred>
void await(daemon_process& daemon, Pred done, std::chrono::milliseconds timeout = 15s)
{
    if (!eventually(done, timeout))
        FAIL("timed out; the daemon's log:\n" << daemon.log());
}

json::object feed(cli::http_client& client, std::string const& name)
{
    auto all = get_json(client, "/v1/feeds");
    for (auto const& f : all.at("feeds").as_array())
        if (f.at("name").as_string() == name)
            return f.as_object();
    FAIL("no feed named " << name);
    return {};
}

std::int64_t counted(json::object const& f, std::string const& result)
{
    auto const* n = f.at("counts").as_object().if_contains(result);
    return n ? n->as_int64() : 0;
}

std::int64_t errors_of(json::object const& f, std::string const& kind)
{
    auto const* n = f.at("errors").as_object().if_contains(kind);
    return n ? n->as_int64() : 0;
}

std::int64_t declarations(fs::path const& db)
{
    return query_int(db, "SELECT COUNT(*) FROM declarations");
}

// A night declaration's second revision: the same seat, a few more votes for the winner.
std::string revision_2(feeds::night_declaration d)
{
    d.candidates.front().votes += 7;
    return d.to_native_json(2);
}

std::string envelope(std::int64_t seq, std::string const& declaration)
{
    return "{\"seq\":" + std::to_string(seq) + ",\"declaration\":" + declaration + "}";
}

std::string pa_sample(std::string const& name)
{
    return read_file(source_dir() / "tests/data/pa_scottish_2026" / name);
}

} // namespace

TEST_CASE("The drop folder takes a file once its writer is done, and a file renamed into place at once",
          "[e2e][feeds][drop]")
{
    temp_dir dir;
    auto drop = dir / "drop";
    fs::create_directories(drop);
    auto config = write_config(dir, "[[feeds]]\ntype = \"drop\"\nname = \"pa\"\npath = \"" + drop.string()
                                        + "\"\nsettle_ms = 150\n");
    // Never taken: a dotfile, a partial download, a temporary file and a name that is no message.
    auto const& night = the_night();
    write_file(drop / ".hidden.json", night[10].to_native_json());
    write_file(drop / "x.json.part", night[11].to_native_json());
    write_file(drop / "readme.txt", "not a declaration");
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    cli::http_client client(daemon.url());
    await(daemon, [&] { return feed(client, "pa").at("connected").as_bool(); });

    // Written in place in two parts: the first half alone is never taken, however long it waits.
    auto first = night[0].to_native_json();
    {
        std::ofstream out(drop / "first.json", std::ios::binary);
        out << first.substr(0, first.size() / 2) << std::flush;
        std::this_thread::sleep_for(600ms); // four settle periods with the writer still writing
        CHECK(feed(client, "pa").at("messages").as_int64() == 0);
        out << first.substr(first.size() / 2);
    }
    await(daemon, [&] { return counted(feed(client, "pa"), "stored") == 1; });

    // Renamed into place: the temporary name is ignored, the final one taken.
    write_file(drop / "second.json.tmp", night[1].to_native_json());
    fs::rename(drop / "second.json.tmp", drop / "second.json");
    await(daemon, [&] { return counted(feed(client, "pa"), "stored") == 2; });

    auto f = feed(client, "pa");
    CHECK(f.at("type").as_string() == "drop");
    CHECK(f.at("source").as_string() == "drop:pa");
    CHECK(f.at("cursor").as_string() == "second.json");
    CHECK(f.at("messages").as_int64() == 2);
    CHECK(f.at("last_message_at").is_string());
    CHECK(f.at("lag_s").to_number<double>() >= 0);
    CHECK(f.at("last_error").as_string() == "");
    CHECK(declarations(dir / "electd.db") == 2);
    CHECK(query_int(dir / "electd.db", "SELECT COUNT(*) FROM feed_state WHERE feed = 'pa'") == 2);
    CHECK(query_text(dir / "electd.db", "SELECT value FROM feed_state WHERE feed = 'pa' AND key = 'first.json'")
              .starts_with(std::to_string(first.size()) + ":"));

    // Rewritten identically (a re-copy): skipped, not processed twice.
    write_file(drop / "first.json", first);
    await(daemon, [&] { return feed(client, "pa").at("skipped").as_int64() == 1; });
    // Rewritten with different content: a new message, processed (here: a second revision).
    write_file(drop / "first.json", revision_2(night[0]));
    await(daemon, [&] { return counted(feed(client, "pa"), "stored") == 3; });
    f = feed(client, "pa");
    CHECK(f.at("messages").as_int64() == 3);
    CHECK(counted(f, "duplicate") == 0);
    CHECK(client.get("/metrics").body.find("electd_feed_messages_total{feed=\"pa\",type=\"drop\",result=\"stored\"} 3")
          != std::string::npos);

    // A test/ subfolder made while running is watched too, and what is in it is rehearsal data.
    fs::create_directories(drop / "test");
    write_file(drop / "test" / "Snap_General_Election_result_Chorley_1.xml.part", "<partial");
    fs::rename(drop / "test" / "Snap_General_Election_result_Chorley_1.xml.part",
               drop / "test" / "Snap_General_Election_result_Chorley_1.xml");
    await(daemon, [&] { return counted(feed(client, "pa"), "refused_test") == 1; });
    CHECK(feed(client, "pa").at("cursor").as_string() == "test/Snap_General_Election_result_Chorley_1.xml");
    CHECK(query_int(dir / "electd.db", "SELECT COUNT(*) FROM feed_state WHERE feed = 'pa' AND key = "
                                       "'test/Snap_General_Election_result_Chorley_1.xml'") == 1);
}

TEST_CASE("The drop folder resumes after a kill: nothing processed twice, files added meanwhile taken",
          "[e2e][feeds][drop]")
{
    temp_dir dir;
    auto drop = dir / "drop";
    fs::create_directories(drop);
    auto db = dir / "electd.db";
    auto config = write_config(dir, "[[feeds]]\ntype = \"drop\"\nname = \"pa\"\npath = \"" + drop.string()
                                        + "\"\nsettle_ms = 50\n");
    auto const& night = the_night();
    // Seat files named like PA's, revision last: "_2" must come after "_1" (and "_10" after "_9").
    auto name = [&](std::size_t i, int revision) {
        return "result_" + night[i].ons_code + "_" + std::to_string(revision) + ".json";
    };
    std::size_t const before = 300, after = 20;
    for (std::size_t i = 0; i < before; ++i)
        write_file(drop / name(i, 1), night[i].to_native_json());
    write_file(drop / name(3, 2), revision_2(night[3]));
    std::int64_t stored_first = 0;
    {
        daemon_process daemon(db, {"--config", config.string()});
        cli::http_client client(daemon.url());
        await(daemon, [&] { return counted(feed(client, "pa"), "stored") >= 20; }, 30s);
        daemon.kill(); // SIGKILL, mid-way (most likely) through the folder
        stored_first = declarations(db);
    }
    INFO("stored before the kill: " << stored_first);
    CHECK(stored_first >= 20);
    CHECK(query_int(db, "SELECT COUNT(*) FROM feed_state WHERE feed = 'pa'") == stored_first);
    // While it is down: new files, a second revision, and a re-copy of a file already processed.
    for (std::size_t i = before; i < before + after; ++i)
        write_file(drop / name(i, 1), night[i].to_native_json());
    write_file(drop / name(before, 2), revision_2(night[before]));
    write_file(drop / name(0, 1), night[0].to_native_json());

    daemon_process daemon(db, {"--config", config.string()});
    cli::http_client client(daemon.url());
    auto const total = static_cast<std::int64_t>(before + after + 2);
    await(daemon, [&] { return declarations(db) == total; }, 60s);
    auto f = feed(client, "pa");
    CHECK(counted(f, "stored") == total - stored_first); // this run stored only what the last did not
    CHECK(counted(f, "duplicate") == 0);
    CHECK(counted(f, "conflict") == 0);
    CHECK(f.at("skipped").as_int64() == stored_first); // the rest were known, the re-copy among them
    CHECK(query_int(db, "SELECT COUNT(*) FROM feed_state WHERE feed = 'pa'") == total);
    CHECK(query_int(db, "SELECT COUNT(*) FROM (SELECT constituency, revision FROM declarations "
                        "GROUP BY constituency, revision HAVING COUNT(*) > 1)") == 0);
    CHECK(query_int(db, "SELECT MAX(revision) FROM declarations WHERE constituency = '" + night[3].ons_code + "'") == 2);
    CHECK(query_int(db, "SELECT MAX(revision) FROM declarations WHERE constituency = '" + night[before].ons_code + "'")
          == 2);
}

TEST_CASE("The poller takes a JSON document, then asks with If-None-Match and takes a 304 as nothing new",
          "[e2e][feeds][poll]")
{
    temp_dir dir;
    auto const& night = the_night();
    std::mutex mutex;
    std::string body = night[0].to_native_json(), etag = "\"v1\"";
    http_receiver server;
    server.respond_with([&](http_receiver::request const& r) {
        std::lock_guard lock(mutex);
        auto it = r.headers.find("if-none-match");
        if (it != r.headers.end() && it->second == etag)
            return http_receiver::answer{304, "", {{"ETag", etag}}};
        return http_receiver::answer{200, body, {{"Content-Type", "application/json"}, {"ETag", etag}}};
    });
    auto config = write_config(dir, "[[feeds]]\ntype = \"poll\"\nname = \"doc\"\nurl = \"" + server.url("/latest.json")
                                        + "\"\ninterval_ms = 50\nstall_after_s = 1\n");
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    cli::http_client client(daemon.url());
    await(daemon, [&] { return counted(feed(client, "doc"), "stored") == 1; });
    REQUIRE(server.wait_for(4));
    auto got = server.received();
    CHECK(got[0].headers.count("if-none-match") == 0);
    for (std::size_t i = 1; i < got.size(); ++i)
        CHECK(got[i].headers.at("if-none-match") == "\"v1\"");
    auto f = feed(client, "doc");
    CHECK(f.at("type").as_string() == "poll");
    CHECK(f.at("connected").as_bool());
    CHECK_FALSE(f.at("stalled").as_bool());
    CHECK(f.at("cursor").as_string() == "\"v1\"");
    CHECK(f.at("messages").as_int64() == 1);
    CHECK(f.at("errors").as_object().empty());

    // Only 304s for a second: stalled.
    await(daemon, [&] { return feed(client, "doc").at("stalled").as_bool(); }, 5s);
    CHECK(daemon.log().find("stalled, nothing new") != std::string::npos);
    // A new version of the document (and flowing again).
    {
        std::lock_guard lock(mutex);
        body = night[1].to_native_json();
        etag = "\"v2\"";
    }
    await(daemon, [&] { return counted(feed(client, "doc"), "stored") == 2; });
    await(daemon, [&] { return !feed(client, "doc").at("stalled").as_bool(); });
    // The stall and its end were alerts, in order, like any other.
    auto stall_alerts = get_json(client, "/v1/alerts?type=feed_stalled,feed_resumed");
    auto const& items = stall_alerts.at("alerts").as_array();
    REQUIRE(items.size() == 2);
    CHECK(items[0].at("type").as_string() == "feed_stalled");
    CHECK(items[0].at("severity").as_string() == "high");
    CHECK(items[0].at("text").as_string() == "Feed 'doc' has brought nothing new for 1 s");
    CHECK(items[0].at("data").at("url").as_string() == server.url("/latest.json"));
    CHECK(items[1].at("type").as_string() == "feed_resumed");
    CHECK(items[1].at("seq").as_int64() > items[0].at("seq").as_int64());
    CHECK(query_text(dir / "electd.db", "SELECT value FROM feed_state WHERE feed = 'doc' AND key = 'document'")
              .find("\\\"v2\\\"") != std::string::npos);
    CHECK(declarations(dir / "electd.db") == 2);

    // After a restart, the stored ETag is sent at once: nothing is taken again.
    daemon.terminate();
    auto seen = server.received().size();
    daemon_process again(dir / "electd.db", {"--config", config.string()});
    REQUIRE(server.wait_for(seen + 1));
    CHECK(server.received()[seen].headers.at("if-none-match") == "\"v2\"");
}

TEST_CASE("The poller backs off after errors and a timeout, then recovers", "[e2e][feeds][poll]")
{
    temp_dir dir;
    std::mutex mutex;
    std::vector<steady::time_point> at;
    http_receiver server;
    auto body = the_night()[0].to_native_json();
    server.respond_with([&](http_receiver::request const&) {
        std::lock_guard lock(mutex);
        at.push_back(steady::now());
        switch (at.size()) {
        case 1: return http_receiver::answer{200, body, {{"Content-Type", "application/json"}}, 800ms}; // too slow
        case 2: return http_receiver::answer{500, "{}"};
        case 3: return http_receiver::answer{503, "{}"};
        default: return http_receiver::answer{200, body, {{"Content-Type", "application/json"}}};
        }
    });
    auto config = write_config(dir, "[[feeds]]\ntype = \"poll\"\nname = \"flaky\"\nurl = \"" + server.url("/doc")
                                        + "\"\ninterval_ms = 100\ntimeout_ms = 300\nmax_backoff_ms = 2000\n");
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    cli::http_client client(daemon.url());
    await(daemon, [&] { return counted(feed(client, "flaky"), "stored") == 1; });
    auto f = feed(client, "flaky");
    CHECK(errors_of(f, "timeout") == 1);
    CHECK(errors_of(f, "http_5xx") == 2);
    CHECK(f.at("last_error").as_string().find("HTTP 503") != std::string::npos);
    CHECK(f.at("connected").as_bool());
    std::lock_guard lock(mutex);
    REQUIRE(at.size() >= 4);
    // Waits grow: [50, 100] ms after the timeout, [100, 200] after the 500, [200, 400] after the 503.
    CHECK(at[1] - at[0] >= 300ms + 50ms - 5ms); // the timeout itself, then the first backoff
    CHECK(at[2] - at[1] >= 100ms - 5ms);
    CHECK(at[3] - at[2] >= 200ms - 5ms);
    CHECK(declarations(dir / "electd.db") == 1);
}

TEST_CASE("The poller speaks HTTPS, trusting the configured CA file", "[e2e][feeds][poll]")
{
    temp_dir dir;
    make_test_certificate(dir.path());
    http_receiver server(dir.path());
    auto body = the_night()[0].to_native_json();
    server.respond_with([&](http_receiver::request const&) {
        return http_receiver::answer{200, body, {{"Content-Type", "application/json"}}};
    });
    auto config = write_config(dir, "[[feeds]]\ntype = \"poll\"\nname = \"secure\"\nurl = \"" + server.url("/doc")
                                        + "\"\ninterval_ms = 50\nca_file = \"" + (dir / "cert.pem").string()
                                        + "\"\n\n[[feeds]]\ntype = \"poll\"\nname = \"untrusted\"\nurl = \""
                                        + server.url("/doc") + "\"\ninterval_ms = 50\n");
    daemon_process daemon(dir / "electd.db", {"--config", config.string()});
    cli::http_client client(daemon.url());
    await(daemon, [&] { return counted(feed(client, "secure"), "stored") == 1; });
    // Without the CA, the certificate is refused and nothing is taken.
    await(daemon, [&] { return errors_of(feed(client, "untrusted"), "tls") >= 1; });
    auto f = feed(client, "untrusted");
    CHECK(f.at("messages").as_int64() == 0);
    CHECK_FALSE(f.at("connected").as_bool());
    CHECK(f.at("next_attempt_at").is_string());
}

TEST_CASE("The poller fetches each file of a PA directory listing once", "[e2e][feeds][poll]")
{
    temp_dir dir;
    std::mutex mutex;
    std::vector<std::string> files = {"Test_Scottish_Parliament_rush_Banffshire_Buchan_Coast_1.xml",
                                      "Test_Scottish_Parliament_result_Banffshire_Buchan_Coast_1.xml"};
    auto listing = [&] {
        std::string html = "<html><body><h1>Index of /pa</h1><a href=\"?C=N;O=D\">Name</a> <a href=\"../\">Parent</a>\n"
                           "<a href=\".timestamp\">.timestamp</a> <a href=\"test/\">test/</a>\n";
        for (auto const& f : files)
            html += "<a href=\"" + f + "\">" + f + "</a>\n";
        return html + "</body></html>";
    };
    std::map<std::string, int> fetched;
    http_receiver server;
    server.respond_with([&](http_receiver::request const& r) {
        std::lock_guard lock(mutex);
        ++fetched[r.target];
        if (r.target == "/pa/")
            return http_receiver::answer{200, listing(), {{"Content-Type", "text/html; charset=utf-8"}}};
        auto name = r.target.substr(r.target.rfind('/') + 1);
        if (std::find(files.begin(), files.end(), name) == files.end())
            return http_receiver::answer{404, "{}"};
        // Served as a plain download: the extension says what it is.
        return http_receiver::answer{200, pa_sample(name), {{"Content-Type", "application/octet-stream"}}};
    });
    auto config = write_config(dir, "[[feeds]]\ntype = \"poll\"\nname = \"pa-http\"\nurl = \"" + server.url("/pa/")
                                        + "\"\ninterval_ms = 50\n");
    daemon_process daemon(dir / "electd.db", {"--config", config.string(), "--open-election", "--rehearsal"});
    cli::http_client client(daemon.url());
    // In name order, so the result comes before the rush, which is then kept as a late message.
    await(daemon, [&] {
        auto f = feed(client, "pa-http");
        return counted(f, "stored") == 1 && counted(f, "late") == 1;
    });
    // A revision appears in the listing later.
    {
        std::lock_guard lock(mutex);
        files.push_back("Test_Scottish_Parliament_result_Banffshire_Buchan_Coast_3.xml");
    }
    await(daemon, [&] { return counted(feed(client, "pa-http"), "stored") == 2; });
    await(daemon, [&] {
        std::lock_guard lock(mutex);
        return fetched["/pa/"] >= 5;
    });
    {
        std::lock_guard lock(mutex);
        for (auto const& f : files)
            CHECK(fetched["/pa/" + f] == 1);
        CHECK(fetched.count("/pa/.timestamp") == 0);
        CHECK(fetched.count("/pa/test/") == 0);
    }
    auto f = feed(client, "pa-http");
    CHECK(f.at("cursor").as_string() == files.back());
    CHECK(counted(f, "refused_test") == 0);
    auto db = dir / "electd.db";
    CHECK(query_int(db, "SELECT COUNT(*) FROM feed_state WHERE feed = 'pa-http' AND key LIKE 'file:%'") == 3);
    CHECK(query_int(db, "SELECT COUNT(*) FROM declarations WHERE source = 'poll:pa-http' AND kind = 'result'") == 2);
}

TEST_CASE("The upstream WebSocket client resumes with since after a dropped connection and a restart",
          "[e2e][feeds][websocket]")
{
    temp_dir dir;
    auto const& night = the_night();
    ws_upstream provider([&](int index, std::string const&) {
        ws_upstream::plan p;
        if (index == 0) { // three declarations, then the connection drops
            for (int seq = 1; seq <= 3; ++seq)
                p.messages.push_back(envelope(seq, night[static_cast<std::size_t>(seq - 1)].to_native_json()));
        } else if (index == 1) { // replays the last one, then two more and a bare declaration, and stays
            for (int seq = 3; seq <= 5; ++seq)
                p.messages.push_back(envelope(seq, night[static_cast<std::size_t>(seq - 1)].to_native_json()));
            p.messages.push_back(night[5].to_native_json());
            p.drop = false;
        } else {
            p.drop = false;
        }
        return p;
    });
    auto config = write_config(dir, "[[feeds]]\ntype = \"websocket\"\nname = \"provider\"\nurl = \"" + provider.url()
                                        + "\"\nbackoff_ms = 50\n");
    auto db = dir / "electd.db";
    {
        daemon_process daemon(db, {"--config", config.string()});
        cli::http_client client(daemon.url());
        if (!provider.wait_for(2))
            FAIL("no second connection; the daemon's log:\n" << daemon.log());
        await(daemon, [&] { return counted(feed(client, "provider"), "stored") == 6; });
        auto hellos = provider.hellos();
        CHECK(json::parse(hellos[0]) == json::parse(R"({"since":0})"));
        CHECK(json::parse(hellos[1]) == json::parse(R"({"since":3})"));
        auto f = feed(client, "provider");
        CHECK(f.at("type").as_string() == "websocket");
        CHECK(f.at("source").as_string() == "ws:provider");
        CHECK(f.at("connected").as_bool());
        CHECK(f.at("cursor").as_string() == "5");
        CHECK(f.at("skipped").as_int64() == 1); // seq 3, sent again
        CHECK(counted(f, "duplicate") == 0);
        CHECK(errors_of(f, "closed") >= 1);
        CHECK(query_text(db, "SELECT value FROM feed_state WHERE feed = 'provider' AND key = 'seq'") == "5");
        CHECK(declarations(db) == 6);
        daemon.terminate();
    }
    daemon_process daemon(db, {"--config", config.string()});
    REQUIRE(provider.wait_for(3));
    CHECK(json::parse(provider.hellos()[2]) == json::parse(R"({"since":5})"));
}
