// Nothing lost, nothing twice: SIGKILL in the middle of a fast replay, restart, replay again.
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;

TEST_CASE("SIGKILL during a fast replay loses no acknowledged declaration and duplicates none", "[e2e][durability]")
{
    temp_dir dir;
    auto db = dir / "electd.db";
    auto const& night = the_night();
    std::set<std::string> acknowledged;
    std::mutex mutex;
    std::atomic<std::size_t> next{0};
    {
        daemon_process daemon(db);
        // Four concurrent senders, so the daemon dies with batches in flight.
        std::vector<std::thread> senders;
        for (int s = 0; s < 4; ++s) {
            senders.emplace_back([&] {
                try {
                    cli::http_client client(daemon.url(), std::chrono::seconds(5));
                    for (std::size_t i; (i = next++) < night.size();) {
                        auto a = client.post_json("/v1/declarations", night[i].to_native_json());
                        if (a.status == 201 || a.status == 200) {
                            std::lock_guard lock(mutex);
                            acknowledged.insert(night[i].ons_code);
                        }
                    }
                } catch (std::exception const&) {
                    // the daemon was killed under us: whatever was not acknowledged may be lost
                }
            });
        }
        while (true) {
            {
                std::lock_guard lock(mutex);
                if (acknowledged.size() >= 200)
                    break;
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        daemon.kill();
        for (auto& t : senders)
            t.join();
    }
    INFO(acknowledged.size() << " acknowledged before SIGKILL");
    REQUIRE(acknowledged.size() >= 200);

    // Every stored declaration is there exactly once, with no gap in the sequence.
    auto stored = query_int(db, "SELECT COUNT(*) FROM declarations");
    CHECK(stored >= static_cast<std::int64_t>(acknowledged.size()));
    CHECK(query_int(db, "SELECT MAX(seq) FROM declarations") == stored);
    CHECK(query_int(db, "SELECT COUNT(DISTINCT constituency) FROM declarations") == stored);

    {
        daemon_process daemon(db);
        cli::http_client client(daemon.url());
        // Every acknowledged declaration survived the kill.
        auto list = get_json(client, "/v1/constituencies");
        std::set<std::string> declared;
        for (auto const& c : list.at("constituencies").as_array())
            if (c.at("status").as_string() != "awaiting")
                declared.insert(std::string(c.at("ons_code").as_string()));
        for (auto const& ons : acknowledged)
            CHECK(declared.count(ons) == 1);
        CHECK(static_cast<std::int64_t>(declared.size()) == stored);

        // The replay simply runs again and ends with the night's totals.
        auto replay = run_electd({"replay", "--fast", "--quiet", "--url", daemon.url()});
        INFO(replay.output);
        REQUIRE(replay.exit_code == 0);
        auto totals = get_json(client, "/v1/totals");
        CHECK(totals.at("totals").at("declared").as_int64() == 650);
        CHECK(totals.at("totals").at("valid_votes").as_int64() == 28'808'662);
        CHECK(party_row(totals, "Lab").at("seats").as_int64() == 411);
        CHECK(party_row(totals, "Con").at("seats").as_int64() == 121);
        CHECK(party_row(totals, "LD").at("seats").as_int64() == 72);
        CHECK(daemon.terminate() == 0);
    }
    CHECK(query_int(db, "SELECT COUNT(*) FROM declarations") == 650);
    CHECK(query_int(db, "SELECT MAX(seq) FROM declarations") == 650);
    CHECK(query_text(db, "PRAGMA integrity_check") == "ok");
}

TEST_CASE("A restart rebuilds the same state and loads the reference data only once", "[e2e][durability]")
{
    temp_dir dir;
    auto db = dir / "electd.db";
    std::string before;
    {
        daemon_process daemon(db);
        auto replay = run_electd({"replay", "--fast", "--quiet", "--limit", "300", "--url", daemon.url()});
        REQUIRE(replay.exit_code == 0);
        cli::http_client client(daemon.url());
        before = json::serialize(get_json(client, "/v1/totals"));
        CHECK(daemon.log().find("loaded reference data") != std::string::npos);
        CHECK(daemon.terminate() == 0);
        CHECK(daemon.log().find("stopped cleanly") != std::string::npos);
    }
    daemon_process daemon(db);
    cli::http_client client(daemon.url());
    CHECK(json::serialize(get_json(client, "/v1/totals")) == before);
    CHECK(daemon.log().find("loaded reference data") == std::string::npos);
    CHECK(daemon.log().find("restored 300 declaration revisions") != std::string::npos);
    CHECK(query_int(db, "SELECT COUNT(*) FROM reference_versions") == 1);
    CHECK(query_int(db, "SELECT COUNT(*) FROM constituencies") == 650);
}
