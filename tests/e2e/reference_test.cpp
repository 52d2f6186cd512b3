// electd is not wired to 2024: another election's reference directory loads through
// `electd load-reference`, and `electd serve` then runs that election.
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;

namespace {

void write(std::filesystem::path const& p, std::string const& text)
{
    std::ofstream(p, std::ios::binary) << text;
}

void write_mini_election(std::filesystem::path const& dir, int version = 1)
{
    std::filesystem::create_directories(dir);
    write(dir / "election.csv", "key,value\nname,Borsetshire by-elections\nshort_name,borset\ndate,2025-05-01\n"
                                "data_version," + std::to_string(version) + "\nbaseline,2024 result\n");
    write(dir / "parties.csv", "code,name,colour\nBLU,Blue Party,#0000ff\nRED,Red Party,#ff0000\nGRN,Green,#00ff00\n");
    write(dir / "party_aliases.csv", "alias,code\nBlue,BLU\nRed,RED\n");
    write(dir / "constituencies.csv", "ons_code,pa_number,name,region,nation,electorate\n"
                                      "B1,1,Felpersham,Borsetshire,England,60000\nB2,2,Ambridge,Borsetshire,England,\n");
    write(dir / "notional.csv", "ons_code,party,votes\nB1,BLU,20000\nB1,RED,15000\nB2,RED,9000\nB2,BLU,8000\n");
    write(dir / "watchlist.csv", "ons_code,note\nB2,\"Red by 1,000 last time\"\n");
}

} // namespace

TEST_CASE("Another election's reference data loads from a CSV directory and serves", "[e2e][reference]")
{
    temp_dir dir;
    auto ref_dir = dir / "borset";
    write_mini_election(ref_dir);
    auto db = dir / "borset.db";

    auto load = run_electd({"load-reference", ref_dir.string(), "--db", db.string()});
    INFO(load.output);
    REQUIRE(load.exit_code == 0);
    CHECK(load.output.find("2 constituencies") != std::string::npos);
    auto again = run_electd({"load-reference", ref_dir.string(), "--db", db.string()});
    CHECK(again.exit_code == 0);
    CHECK(again.output.find("nothing to do") != std::string::npos);

    daemon_process daemon(db); // no --reference: the database's own election, not the bundled 2024
    cli::http_client client(daemon.url());
    auto totals = get_json(client, "/v1/totals");
    CHECK(totals.at("election").at("name").as_string() == "Borsetshire by-elections");
    CHECK(totals.at("totals").at("total_seats").as_int64() == 2);
    CHECK(totals.at("totals").at("majority_line").as_int64() == 2);

    auto a = client.post_json("/v1/declarations", R"({"constituency":"B2","declared_at":"2025-05-02T01:00:00+01:00",
        "candidates":[{"name":"Jo","party":"Blue","votes":9500},{"name":"Al","party":"RED","votes":9000}]})");
    INFO(a.body);
    REQUIRE(a.status == 201);
    CHECK(json::parse(a.body).at("result").at("text").as_string() == "BLU gain from RED");
    CHECK(party_row(get_json(client, "/v1/totals"), "BLU").at("gains").as_int64() == 1);
    CHECK(get_json(client, "/v1/constituencies/B2").at("watch").at("note").as_string() == "Red by 1,000 last time");

    // A newer data version applies as a migration; the declaration stays.
    CHECK(daemon.terminate() == 0);
    write_mini_election(ref_dir, 2);
    auto upgrade = run_electd({"load-reference", ref_dir.string(), "--db", db.string()});
    CHECK(upgrade.output.find("upgraded to") != std::string::npos);
    CHECK(query_int(db, "SELECT COUNT(*) FROM reference_versions") == 2);
    CHECK(query_int(db, "SELECT COUNT(*) FROM declarations") == 1);

    // The bundled 2024 data is refused for this database, with the reason.
    auto other = run_electd({"load-reference", (source_dir() / "data/ge2024/reference").string(), "--db", db.string()});
    CHECK(other.exit_code == 1);
    CHECK(other.output.find("use a new --db") != std::string::npos);
}

TEST_CASE("A broken reference directory is refused with the file, line and reason", "[e2e][reference]")
{
    temp_dir dir;
    auto ref_dir = dir / "bad";
    write_mini_election(ref_dir);
    write(ref_dir / "notional.csv", "ons_code,party,votes\nB1,BLU,20000\nB7,RED,1\n");
    auto r = run_electd({"load-reference", ref_dir.string(), "--db", (dir / "x.db").string()});
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("notional.csv:3: unknown constituency 'B7'") != std::string::npos);
    auto missing = run_electd({"load-reference", (dir / "nowhere").string(), "--db", (dir / "x.db").string()});
    CHECK(missing.exit_code == 1);
    CHECK(missing.output.find("does not exist") != std::string::npos);
    auto serve = run_electd({"serve", "--listen", "127.0.0.1:0", "--db", (dir / "y.db").string(), "--reference",
                             ref_dir.string()});
    CHECK(serve.exit_code == 1);
    CHECK(serve.output.find("unknown constituency 'B7'") != std::string::npos);
}

TEST_CASE("The command line explains itself and refuses bad options clearly", "[e2e][cli]")
{
    auto help = run_electd({"--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("replay") != std::string::npos);
    auto serve_help = run_electd({"serve", "--help"});
    CHECK(serve_help.output.find("--listen") != std::string::npos);
    CHECK(serve_help.output.find("--db") != std::string::npos);
    auto bad = run_electd({"serve", "--listen", "localhost"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.output.find("HOST:PORT") != std::string::npos);
    auto unknown = run_electd({"frobnicate"});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.output.find("unknown command 'frobnicate'") != std::string::npos);
    CHECK(run_electd({"version"}).output.find("electd ") == 0);
}
