// The whole 2024 night through the real binary: `electd replay` into `electd serve`, then the
// results checked against the Commons Library's official figures.
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

using namespace electd;
using namespace electd::test;

TEST_CASE("A replay of the 2024 night gives the official seats, votes and gain/hold of every seat", "[e2e][replay]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db");
    auto replay = run_electd({"replay", "--fast", "--quiet", "--url", daemon.url()});
    INFO(replay.output);
    REQUIRE(replay.exit_code == 0);
    CHECK(replay.output.find("650 stored, 0 already stored, 0 refused") != std::string::npos);

    cli::http_client client(daemon.url());
    auto totals = get_json(client, "/v1/totals");
    auto const& t = totals.at("totals");
    CHECK(t.at("declared").as_int64() == 650);
    CHECK(t.at("total_seats").as_int64() == 650);
    CHECK(t.at("majority_line").as_int64() == 326);
    CHECK(t.at("valid_votes").as_int64() == 28'808'662);

    std::map<std::string, std::int64_t> const seats{
        {"Lab", 411}, {"Con", 121}, {"LD", 72},  {"SNP", 9},  {"SF", 7},   {"Ind", 6},  {"DUP", 5}, {"RUK", 5},
        {"Green", 4}, {"PC", 4},    {"SDLP", 2}, {"Spk", 1},  {"APNI", 1}, {"TUV", 1}, {"UUP", 1}};
    std::int64_t seat_sum = 0;
    for (auto const& p : t.at("parties").as_array()) {
        std::string code(p.at("party").as_string());
        auto expected = seats.count(code) ? seats.at(code) : 0;
        INFO(code);
        CHECK(p.at("seats").as_int64() == expected);
        seat_sum += p.at("seats").as_int64();
    }
    CHECK(seat_sum == 650);
    CHECK(party_row(totals, "Lab").at("gains").as_int64() == 218);
    CHECK(party_row(totals, "LD").at("gains").as_int64() == 64);
    CHECK(party_row(totals, "Con").at("losses").as_int64() == 252);
    CHECK(party_row(totals, "SNP").at("losses").as_int64() == 40);
    // Vote shares and changes as broadcast on the night (BBC): Lab 33.7 (+1.6), Con 23.7 (-19.9).
    CHECK(party_row(totals, "Lab").at("share").to_number<double>() == Approx(33.7).margin(0.05));
    CHECK(party_row(totals, "Lab").at("share_change").to_number<double>() == Approx(1.6).margin(0.05));
    CHECK(party_row(totals, "Con").at("share_change").to_number<double>() == Approx(-19.9).margin(0.05));
    CHECK(party_row(totals, "RUK").at("share").to_number<double>() == Approx(14.3).margin(0.05));

    // Every seat: the same result text, winner and majority as the Commons Library.
    auto list = get_json(client, "/v1/constituencies");
    auto const& official = official_results();
    std::size_t checked = 0;
    for (auto const& c : list.at("constituencies").as_array()) {
        std::string ons(c.at("ons_code").as_string());
        auto const& o = official.at(ons);
        INFO(o.name);
        CHECK(c.at("status").as_string() == "declared");
        CHECK(c.at("text").as_string() == o.result);
        CHECK(c.at("winner").as_string() == o.first_party);
        CHECK(c.at("majority").as_int64() == o.majority);
        ++checked;
    }
    CHECK(checked == 650);

    // The seats to watch came out as they did on the night.
    auto seat = [&](char const* ons) { return get_json(client, std::string("/v1/constituencies/") + ons); };
    auto derby_north = seat("E14001193");
    CHECK(derby_north.at("result").at("text").as_string() == "Lab gain from Con");
    CHECK(derby_north.at("result").at("majority").as_int64() == 8915);
    CHECK(derby_north.at("watch").at("note").as_string().size() > 10);
    CHECK(seat("E14001326").at("result").at("text").as_string() == "Con gain from Lab"); // Leicester East
    auto leicester_south = seat("E14001327");
    CHECK(leicester_south.at("result").at("text").as_string() == "Ind gain from Lab");
    CHECK(leicester_south.at("result").at("majority").as_int64() == 979);
    CHECK(seat("E14001068").at("result").at("text").as_string() == "RUK gain from Con"); // Ashfield

    // Storage: one row per declaration, gap-free sequence, reference data loaded once.
    CHECK(daemon.terminate() == 0);
    auto db = dir / "electd.db";
    CHECK(query_int(db, "SELECT COUNT(*) FROM declarations") == 650);
    CHECK(query_int(db, "SELECT MAX(seq) FROM declarations") == 650);
    CHECK(query_int(db, "SELECT COUNT(*) FROM declaration_candidates") == 4515);
    CHECK(query_int(db, "SELECT COUNT(*) FROM reference_versions") == 1);
}
