#include "feeds/native_json.hpp"

#include <catch2/catch.hpp>

using namespace electd;

namespace {

bool has_problem(feeds::native_parse_result const& r, std::string const& field, std::string const& fragment)
{
    for (auto const& p : r.problems)
        if (p.field == field && p.message.find(fragment) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST_CASE("The contract's example parses", "[feeds][native]")
{
    auto r = feeds::parse_native_json(R"({ "constituency": "E14001191", "revision": 1,
        "declared_at": "2024-07-05T01:12:00+01:00", "electorate": 71983, "invalid_votes": 120,
        "candidates": [ { "name": "Catherine Atkinson", "party": "Lab", "votes": 18619 } ] })");
    REQUIRE_FALSE(r.malformed);
    CHECK(r.problems.empty());
    CHECK(*r.input.constituency == "E14001191");
    CHECK(r.input.revision == 1);
    CHECK(*r.input.electorate == 71983);
    CHECK(*r.input.invalid_votes == 120);
    REQUIRE(r.input.candidates.size() == 1);
    CHECK(*r.input.candidates[0].votes == 18619);
    CHECK(r.warnings.empty());
}

TEST_CASE("Revision defaults to 1; electorate and invalid_votes are optional", "[feeds][native]")
{
    auto r = feeds::parse_native_json(
        R"({"constituency":"E1","declared_at":"2024-07-05T01:12:00Z","candidates":[{"name":"A","party":"Lab","votes":1}]})");
    CHECK(r.problems.empty());
    CHECK(r.input.revision == 1);
    CHECK_FALSE(r.input.electorate);
}

TEST_CASE("Malformed JSON says where it broke", "[feeds][native]")
{
    auto r = feeds::parse_native_json("{\n  \"constituency\": \"E1\",\n  \"revision\": ,\n}");
    REQUIRE(r.malformed);
    CHECK(r.malformed->find("line 3") != std::string::npos);
    CHECK(feeds::parse_native_json("[1,2]").malformed->find("must be a JSON object") != std::string::npos);
    CHECK(feeds::parse_native_json("").malformed);
}

TEST_CASE("Wrong types are problems naming the field", "[feeds][native]")
{
    auto r = feeds::parse_native_json(R"({"constituency": 42, "revision": "2", "declared_at": null,
        "electorate": 1.5, "candidates": [ {"name": "A", "party": "Lab", "votes": 12.5},
        {"name": "B", "votes": "12"}, 7, {"name": "C", "party": "LD", "votes": 1, "elected": "yes"} ],
        "extra": 1})");
    REQUIRE_FALSE(r.malformed);
    CHECK(has_problem(r, "constituency", "must be a string"));
    CHECK(has_problem(r, "revision", "must be an integer"));
    CHECK(has_problem(r, "declared_at", "is required"));
    CHECK(has_problem(r, "electorate", "must be an integer"));
    CHECK(has_problem(r, "candidates[0].votes", "must be an integer, not a number with a fraction"));
    CHECK(has_problem(r, "candidates[1].party", "is required"));
    CHECK(has_problem(r, "candidates[1].votes", "not a string"));
    CHECK(has_problem(r, "candidates[2]", "must be an object"));
    CHECK(has_problem(r, "candidates[3].elected", "true or false"));
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].find("'extra'") != std::string::npos);
}

TEST_CASE("Limits: revision range, text length, candidate count, nesting", "[feeds][native]")
{
    CHECK(has_problem(feeds::parse_native_json(R"({"revision":0})"), "revision", "between 1"));
    CHECK(has_problem(feeds::parse_native_json(R"({"revision":18446744073709551615})"), "revision", "too large"));
    std::string long_name(300, 'x');
    CHECK(has_problem(feeds::parse_native_json(R"({"constituency":")" + long_name + "\"}"), "constituency", "longer"));
    std::string many = R"({"candidates":[)";
    for (int i = 0; i < 201; ++i)
        many += std::string(i ? "," : "") + R"({"name":"n","party":"p","votes":1})";
    CHECK(has_problem(feeds::parse_native_json(many + "]}"), "candidates", "more than 200"));
    CHECK(feeds::parse_native_json(std::string(100, '[') + std::string(100, ']')).malformed);
}
