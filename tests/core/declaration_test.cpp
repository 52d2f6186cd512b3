#include "core/declaration.hpp"

#include "tests/support/mini_reference.hpp"

#include <catch2/catch.hpp>

using namespace electd;

namespace {

core::declaration_input good()
{
    core::declaration_input in;
    in.constituency = "E1";
    in.declared_at = "2024-07-05T01:12:00+01:00";
    in.candidates_present = true;
    in.candidates = {{"Ann", "Lab", 400, false}, {"Bob", "Con", 350, false}};
    return in;
}

bool has_problem(core::checked_declaration const& c, std::string const& field, std::string const& fragment)
{
    for (auto const& p : c.problems)
        if (p.field == field && p.message.find(fragment) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST_CASE("A good declaration passes and resolves aliases", "[core][validation]")
{
    auto ref = test::mini_reference();
    auto in = good();
    in.candidates[1].party = "c"; // PA's abbreviation, in any case
    auto c = core::check_declaration(in, *ref);
    REQUIRE(c.problems.empty());
    REQUIRE(c.value);
    CHECK(c.value->candidates[1].party == *ref->parties.find_code("Con"));
    CHECK(c.value->declared_at.offset_minutes == 60);
}

TEST_CASE("Every problem is listed, each with its field", "[core][validation]")
{
    auto ref = test::mini_reference();
    auto in = good();
    in.constituency = "E99";
    in.declared_at = "05/07/2024 01:12";
    in.electorate = 0;
    in.invalid_votes = -1;
    in.candidates.push_back({"Cat", "LD", -5, false});
    auto c = core::check_declaration(in, *ref);
    CHECK_FALSE(c.value);
    CHECK(has_problem(c, "constituency", "unknown constituency 'E99'"));
    CHECK(has_problem(c, "declared_at", "RFC 3339"));
    CHECK(has_problem(c, "electorate", "positive"));
    CHECK(has_problem(c, "invalid_votes", "negative"));
    CHECK(has_problem(c, "candidates[2].votes", "negative"));
}

TEST_CASE("The same candidate twice is refused; two people with one name in different parties are not",
          "[core][validation]")
{
    auto ref = test::mini_reference();
    auto in = good();
    in.candidates.push_back({"ann ", "Lab", 1, false}); // case and spacing do not make a new person
    auto c = core::check_declaration(in, *ref);
    CHECK(has_problem(c, "candidates[2]", "same candidate as candidates[0]"));

    // Mid Buckinghamshire 2024 had a Greg Smith for the Conservatives and another for the Greens.
    auto in2 = good();
    in2.candidates.push_back({"Ann", "LD", 10, false});
    CHECK(core::check_declaration(in2, *ref).problems.empty());
}

TEST_CASE("Votes cast cannot exceed the electorate", "[core][validation]")
{
    auto ref = test::mini_reference();
    auto in = good();
    in.candidates[0].votes = 1900;
    in.invalid_votes = 101; // 1900 + 350 + 101 > 2000 (the reference electorate)
    CHECK(has_problem(core::check_declaration(in, *ref), "candidates", "exceed the electorate (2000)"));
    in.electorate = 5000; // a declared electorate takes precedence
    CHECK(core::check_declaration(in, *ref).problems.empty());
}

TEST_CASE("No candidates, a tie without a named winner, and a wrong elected mark are refused", "[core][validation]")
{
    auto ref = test::mini_reference();
    auto none = good();
    none.candidates.clear();
    CHECK(has_problem(core::check_declaration(none, *ref), "candidates", "at least one"));

    auto tie = good();
    tie.candidates[1].votes = 400;
    CHECK(has_problem(core::check_declaration(tie, *ref), "candidates", "tie for first place"));
    tie.candidates[1].elected = true; // decided by lot: the returning officer names the winner
    auto c = core::check_declaration(tie, *ref);
    REQUIRE(c.problems.empty());

    auto wrong = good();
    wrong.candidates[1].elected = true;
    CHECK(has_problem(core::check_declaration(wrong, *ref), "candidates[1].elected", "fewer votes"));
}

TEST_CASE("Unknown parties are not errors: they are listed for registration", "[core][validation]")
{
    auto ref = test::mini_reference();
    auto in = good();
    in.candidates.push_back({"Zed", "Monster Raving Loony", 3, false});
    auto c = core::check_declaration(in, *ref);
    CHECK(c.problems.empty());
    CHECK_FALSE(c.value);
    REQUIRE(c.new_parties.size() == 1);
    CHECK(c.new_parties[0] == "Monster Raving Loony");
}

TEST_CASE("The canonical form ignores candidate order, aliases and name case", "[core][idempotency]")
{
    auto ref = test::mini_reference();
    auto a = good();
    auto b = good();
    std::swap(b.candidates[0], b.candidates[1]);
    b.candidates[0].party = "C";
    b.candidates[1].name = "ANN";
    auto ca = core::canonical_form(*core::check_declaration(a, *ref).value, *ref);
    auto cb = core::canonical_form(*core::check_declaration(b, *ref).value, *ref);
    CHECK(ca == cb);

    auto c = good();
    c.candidates[0].votes = *c.candidates[0].votes + 1;
    CHECK(core::canonical_form(*core::check_declaration(c, *ref).value, *ref) != ca);
    auto d = good();
    d.declared_at = "2024-07-05T00:12:00Z"; // the same instant, written in UTC...
    // ...is a different send: the text a feed chose is part of what it said
    CHECK(core::canonical_form(*core::check_declaration(d, *ref).value, *ref) != ca);
}
