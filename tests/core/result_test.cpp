#include "core/result.hpp"

#include "core/declaration.hpp"
#include "tests/support/mini_reference.hpp"

#include <catch2/catch.hpp>

using namespace electd;


namespace {

core::declaration_input input(std::string seat, std::vector<std::tuple<std::string, std::string, std::int64_t>> cands)
{
    core::declaration_input in;
    in.constituency = std::move(seat);
    in.declared_at = "2024-07-05T01:00:00+01:00";
    in.candidates_present = true;
    for (auto& [name, party, votes] : cands)
        in.candidates.push_back({name, party, votes, false});
    return in;
}

core::declaration checked(core::declaration_input const& in, core::reference_data const& ref)
{
    auto c = core::check_declaration(in, ref);
    INFO((c.problems.empty() ? std::string() : c.problems[0].field + ": " + c.problems[0].message));
    REQUIRE(c.value);
    return *c.value;
}

} // namespace

TEST_CASE("Butler swing is the mean of one party's rise and the other's fall", "[core][swing]")
{
    // A: 45 -> 40 (-5); B: 30 -> 35 (+5): a 5-point swing from A to B.
    CHECK(core::butler_swing(45, 40, 30, 35) == Approx(5.0));
    // Both rise, B more: (8 - 2) / 2 = 3 points from A to B.
    CHECK(core::butler_swing(20, 22, 10, 18) == Approx(3.0));
    // Reversed roles give the opposite sign.
    CHECK(core::butler_swing(30, 35, 45, 40) == Approx(-5.0));
}

TEST_CASE("A hand-worked gain: winner, majority, shares, changes, turnout, swing and text", "[core][result]")
{
    auto ref = test::mini_reference();
    auto in = input("E1", {{"Ann Lab", "Lab", 400}, {"Bob Con", "C", 350}, {"Cat LD", "LD", 100}, {"Dan Reform", "RUK", 150}});
    in.invalid_votes = 10;
    auto d = checked(in, *ref);
    auto r = core::compute_result(d, *ref);

    auto const& p = ref->parties;
    CHECK(r.valid_votes == 1000);
    CHECK(r.winner == *p.find("Lab"));
    CHECK(r.runner_up == *p.find("Con"));
    CHECK(r.majority == 50);
    CHECK(r.majority_share == Approx(5.0));
    REQUIRE(r.turnout);
    CHECK(*r.turnout == Approx(50.5)); // (1000 valid + 10 invalid) / 2000
    CHECK(r.gain);
    CHECK(r.previous_winner == *p.find("Con"));
    CHECK(r.text == "Lab gain from Con");

    REQUIRE(r.candidates.size() == 4);
    CHECK(r.candidates[0].name == "Ann Lab");
    CHECK(r.candidates[0].share == Approx(40.0));
    CHECK(*r.candidates[0].share_change == Approx(10.0));  // 30% -> 40%
    CHECK(*r.candidates[1].share_change == Approx(-15.0)); // Con 50% -> 35%
    CHECK(r.candidates[1].name == "Bob Con");
    CHECK(r.candidates[2].party == *p.find("RUK"));
    CHECK_FALSE(r.candidates[2].share_change); // did not stand last time: no change to report

    REQUIRE(r.swing_between_top_two);
    CHECK(r.swing_between_top_two->from == *p.find("Con"));
    CHECK(r.swing_between_top_two->to == *p.find("Lab"));
    CHECK(r.swing_between_top_two->points == Approx(12.5)); // ((40-30) - (35-50)) / 2
}

TEST_CASE("A hold, and a swing reported from the winner when the winner fell back", "[core][result]")
{
    auto ref = test::mini_reference();
    // E2 baseline Lab 60%, Con 40%; now Lab 55%, Con 45%: Lab hold on a 5-point swing to Con.
    auto d = checked(input("E2", {{"L", "Lab", 550}, {"C", "Con", 450}}), *ref);
    auto r = core::compute_result(d, *ref);
    CHECK_FALSE(r.gain);
    CHECK(r.text == "Lab hold");
    REQUIRE(r.swing_between_top_two);
    CHECK(r.swing_between_top_two->from == *ref->parties.find("Lab"));
    CHECK(r.swing_between_top_two->to == *ref->parties.find("Con"));
    CHECK(r.swing_between_top_two->points == Approx(5.0));
    CHECK_FALSE(r.turnout == std::nullopt);
}

TEST_CASE("A seat without a baseline is a win, with no change and no swing", "[core][result]")
{
    auto ref = test::mini_reference();
    auto d = checked(input("E3", {{"A", "LD", 10}, {"B", "Lab", 5}}), *ref);
    auto r = core::compute_result(d, *ref);
    CHECK(r.text == "LD win");
    CHECK_FALSE(r.gain);
    CHECK_FALSE(r.swing_between_top_two);
    CHECK_FALSE(r.turnout); // electorate unknown
    CHECK_FALSE(r.candidates[0].share_change);
}

TEST_CASE("Two independents are two candidates but one party line", "[core][result]")
{
    auto ref = test::mini_reference();
    auto ind = ref->parties.add({"Ind", "Independent", "#AAAAAA"});
    auto d = checked(input("E2", {{"X", "Ind", 300}, {"Y", "Ind", 200}, {"L", "Lab", 400}}), *ref);
    auto r = core::compute_result(d, *ref);
    // First past the post ranks candidates, not parties: Lab's 400 beats each independent...
    CHECK(r.winner == *ref->parties.find("Lab"));
    CHECK(r.majority == 100);
    // ...while the party view adds the two independents together.
    REQUIRE(r.parties.size() == 2);
    CHECK(r.parties[0].party == ind);
    CHECK(r.parties[0].votes == 500);
    CHECK_FALSE(r.candidates[1].share_change);
}
