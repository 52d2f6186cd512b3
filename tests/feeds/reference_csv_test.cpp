#include "feeds/reference_csv.hpp"

#include "daemon/reference_loader.hpp"
#include "embed/embedded.hpp"
#include "feeds/night_file.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace electd;

TEST_CASE("The bundled 2024 reference data: 650 seats, parties, aliases, notionals, seats to watch",
          "[feeds][reference]")
{
    auto ref = daemon::read_bundled_reference();
    CHECK(ref->info.short_name == "ge2024");
    CHECK(ref->info.data_version >= 1);
    REQUIRE(ref->seat_count() == 650);
    CHECK(ref->majority_line() == 326);

    auto const& p = ref->parties;
    CHECK(p[*p.find("C")].code == "Con");
    CHECK(p[*p.find("Reform")].code == "RUK");
    CHECK(p[*p.find("Spkr")].code == "Spk");
    CHECK(p[*p.find("Labour and Co-operative")].code == "Lab");
    CHECK(p[*p.find("plaid cymru")].code == "PC");

    // Every seat has a baseline, with the Speaker's seat held by the Speaker.
    std::map<std::string, int> notional_winners;
    for (core::seat_index i = 0; i < ref->seat_count(); ++i) {
        auto const& b = ref->baseline_of(i);
        REQUIRE_FALSE(b.empty());
        notional_winners[p[*b.winner()].code]++;
    }
    CHECK(notional_winners["Con"] == 372);
    CHECK(notional_winners["Lab"] == 200);
    CHECK(notional_winners["Spk"] == 1);
    auto chorley = *ref->find_ons("E14001170");
    CHECK(p[*ref->baseline_of(chorley).winner()].code == "Spk");

    auto derby_north = *ref->find_ons("E14001193");
    CHECK(ref->seat(derby_north).name == "Derby North");
    CHECK(ref->seat(derby_north).region == "East Midlands");
    CHECK(ref->baseline_of(derby_north).majority() == 2540);
    CHECK(ref->find_pa(ref->seat(derby_north).pa_number) == derby_north);

    REQUIRE(ref->watchlist().size() == 10);
    CHECK(ref->nominations().size() == 4515);
}

TEST_CASE("A broken reference directory names the file, line and problem", "[feeds][reference]")
{
    std::map<std::string, std::string> files{
        {"election.csv", "key,value\nname,Test\nshort_name,t\ndate,2024-01-01\ndata_version,1\n"},
        {"parties.csv", "code,name,colour\nA,Alpha,#111111\nB,Beta,#222222\n"},
        {"party_aliases.csv", "alias,code\nAlf,A\n"},
        {"constituencies.csv", "ons_code,pa_number,name,region,nation,electorate\nX1,1,One,R,N,100\nX2,2,Two,R,N,200\n"},
        {"notional.csv", "ons_code,party,votes\nX1,A,50\nX1,B,40\n"},
    };
    auto source = [&](std::string const& name) -> std::optional<std::string> {
        if (auto it = files.find(name); it != files.end())
            return it->second;
        return std::nullopt;
    };
    auto ref = feeds::read_reference(source);
    CHECK(ref->seat_count() == 2);
    CHECK(ref->baseline_of(1).empty());

    auto expect_error = [&](std::string const& file, std::string const& content, std::string const& fragment) {
        auto saved = files[file];
        files[file] = content;
        try {
            feeds::read_reference(source);
            FAIL("expected an error for " << file);
        } catch (feeds::reference_error const& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find(fragment) != std::string::npos);
        }
        files[file] = saved;
    };
    expect_error("notional.csv", "ons_code,party,votes\nX1,A,50\nX9,B,40\n", "notional.csv:3: unknown constituency 'X9'");
    expect_error("notional.csv", "ons_code,party,votes\nX1,Z,50\n", "unknown party 'Z'");
    expect_error("notional.csv", "ons_code,party,votes\nX1,A,fifty\n", "notional.csv");
    expect_error("party_aliases.csv", "alias,code\nalpha,A\nALPHA,B\n", "already names another party");
    expect_error("constituencies.csv", "ons_code,pa_number,name,region,nation,electorate\nX1,1,One,R,N,100\nX1,2,Two,R,N,1\n",
                 "constituencies.csv:3: constituency 'X1' is listed twice");
    expect_error("election.csv", "key,value\nname,Test\n", "short_name");
    files.erase("parties.csv");
    CHECK_THROWS_WITH(feeds::read_reference(source), Catch::Contains("parties.csv: missing"));
}

TEST_CASE("The bundled night: 650 declarations in time order with every candidate", "[feeds][night]")
{
    auto night = feeds::read_night([](std::string const& name) -> std::optional<std::string> {
        if (auto d = embedded::find("data/ge2024/night/" + name))
            return std::string(*d);
        return std::nullopt;
    });
    REQUIRE(night.size() == 650);
    CHECK(night.front().ons_code == "E14001295"); // Houghton and Sunderland South, 23:21
    std::size_t candidates = 0;
    std::int64_t votes = 0;
    for (std::size_t i = 0; i < night.size(); ++i) {
        if (i > 0)
            CHECK(night[i - 1].at <= night[i].at);
        candidates += night[i].candidates.size();
        for (auto const& c : night[i].candidates)
            votes += c.votes;
    }
    CHECK(candidates == 4515);
    CHECK(votes == 28'808'662);
}
