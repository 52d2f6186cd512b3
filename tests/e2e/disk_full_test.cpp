// The fault harness (issue 7): the disk fills up under electd. A file-size limit (RLIMIT_FSIZE,
// lowered on the live process) makes SQLite's writes fail for real with EFBIG, without root or a
// loop device; raising it again is "space returns".
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <filesystem>
#include <iostream>
#include <map>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Sets the soft RLIMIT_FSIZE of process `pid`, leaving the hard limit alone so it can be raised again.
void set_file_size_limit(int pid, rlim_t bytes)
{
    rlimit now{};
    REQUIRE(::prlimit(pid, RLIMIT_FSIZE, nullptr, &now) == 0);
    rlimit wanted{bytes, now.rlim_max};
    REQUIRE(::prlimit(pid, RLIMIT_FSIZE, &wanted, nullptr) == 0);
}

std::uintmax_t size_or_zero(fs::path const& p)
{
    std::error_code ec;
    auto n = fs::file_size(p, ec);
    return ec ? 0 : n;
}

std::string seat_status(cli::http_client& client, std::string const& ons)
{
    return std::string(get_json(client, "/v1/constituencies/" + ons).at("status").as_string());
}

} // namespace

TEST_CASE("Disk full: ingest answers 503 and stores nothing, electd stays up, and recovers when space returns",
          "[e2e][diskfull]")
{
    temp_dir dir;
    auto db = dir / "electd.db";
    auto wal = fs::path(db.string() + "-wal");
    auto const& night = the_night();
    daemon_process daemon(db);
    cli::http_client client(daemon.url(), 20s);
    std::map<std::string, std::int64_t> acknowledged; // seat -> seq

    auto post = [&](std::size_t i) {
        auto a = client.post_json("/v1/declarations", night[i].to_native_json());
        if (a.status == 201 || a.status == 200)
            acknowledged[night[i].ons_code] = json::parse(a.body).at("seq").as_int64();
        return a;
    };
    std::size_t next = 0;
    for (; next < 20; ++next)
        REQUIRE(post(next).status == 201);

    // The disk "fills": no file of electd's may grow past a little more than the biggest is now.
    auto limit = std::max(size_or_zero(db), size_or_zero(wal)) + 64 * 1024;
    set_file_size_limit(daemon.pid(), limit);
    cli::http_answer refused;
    for (; next < night.size(); ++next) {
        refused = post(next);
        if (refused.status != 201)
            break;
    }
    INFO("limit " << limit << " bytes; " << acknowledged.size() << " acknowledged before the first refusal: "
                  << refused.status << " " << refused.body << "\n" << daemon.log());
    REQUIRE(next < night.size());
    REQUIRE(refused.status == 503);
    CHECK(json::parse(refused.body).at("error").as_string() == "unavailable");
    CHECK(refused.header("Retry-After"));
    auto const& failed_seat = night[next].ons_code;
    auto refused_after = acknowledged.size();
    auto refused_message = std::string(json::parse(refused.body).at("message").as_string());

    // While storage fails: every attempt is refused the same way, nothing changes, electd stays up.
    auto declared = get_json(client, "/v1/totals").at("totals").at("declared").as_int64();
    auto last_alert = get_json(client, "/v1/alerts?limit=1").at("last_seq").as_int64();
    CHECK(declared == static_cast<std::int64_t>(acknowledged.size()));
    for (int attempt = 0; attempt < 3; ++attempt) {
        CHECK(post(next).status == 503);
        CHECK(post(next + 1).status == 503);
    }
    CHECK(acknowledged.count(failed_seat) == 0);
    CHECK(seat_status(client, failed_seat) == "awaiting");
    CHECK(get_json(client, "/v1/totals").at("totals").at("declared").as_int64() == declared);
    CHECK(get_json(client, "/v1/alerts?limit=1").at("last_seq").as_int64() == last_alert);
    auto ready = client.get("/readyz");
    INFO(ready.body);
    CHECK(ready.status == 503);
    CHECK(json::parse(ready.body).at("checks").at("storage").as_bool() == false);
    CHECK(client.get("/healthz").status == 200);
    CHECK(client.get("/metrics").body.find("electd_ingest_messages_total{source=\"http\",result=\"unavailable\"}")
          != std::string::npos);
    CHECK(query_int(db, "SELECT COUNT(*) FROM declarations") == static_cast<std::int64_t>(acknowledged.size()));
    CHECK(daemon.running());

    // Space returns: the refused declaration goes in, and the night carries on.
    set_file_size_limit(daemon.pid(), RLIM_INFINITY);
    auto retried = post(next);
    INFO(retried.body);
    CHECK(retried.status == 201);
    CHECK(client.get("/readyz").status == 200);
    for (auto until = next + 30; ++next < until;)
        CHECK(post(next).status == 201);
    CHECK(seat_status(client, failed_seat) == "declared");
    CHECK(daemon.terminate() == 0);

    // Everything acknowledged is stored once, nothing else is, and the database is sound.
    CHECK(query_int(db, "SELECT COUNT(*) FROM declarations") == static_cast<std::int64_t>(acknowledged.size()));
    CHECK(query_int(db, "SELECT MAX(seq) FROM declarations") == static_cast<std::int64_t>(acknowledged.size()));
    for (auto const& [ons, seq] : acknowledged)
        CHECK(query_int(db, "SELECT seq FROM declarations WHERE constituency = '" + ons + "'") == seq);
    auto check = run_electd({"check", "--db", db.string()});
    INFO(check.output);
    CHECK(check.exit_code == 0);
    std::cout << "diskfull: file-size limit " << limit << " bytes; 503 after " << refused_after
              << " declarations (\"" << refused_message << "\"); " << acknowledged.size()
              << " acknowledged in all, all stored once\n";
}
