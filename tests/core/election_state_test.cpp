#include "core/election_state.hpp"

#include "tests/support/mini_reference.hpp"

#include <catch2/catch.hpp>

using namespace electd;

namespace {

core::declaration make(core::reference_data const& ref, std::string seat, int revision,
                       std::vector<std::pair<std::string, std::int64_t>> votes)
{
    core::declaration_input in;
    in.constituency = std::move(seat);
    in.revision = revision;
    in.declared_at = "2024-07-05T02:00:00+01:00";
    in.candidates_present = true;
    for (auto& [party, v] : votes)
        in.candidates.push_back({party + " candidate", party, v, false});
    auto c = core::check_declaration(in, ref);
    REQUIRE(c.value);
    return *c.value;
}

struct fixture {
    std::shared_ptr<core::reference_data> ref = test::mini_reference();
    core::election_state state{ref};
    std::int64_t seq = 0;

    core::verdict send(core::declaration const& d)
    {
        auto canonical = core::canonical_form(d, *ref);
        auto v = state.classify(d, canonical);
        if (v == core::verdict::accepted)
            state.apply(d, canonical, ++seq, core::timestamp{});
        return v;
    }
};

void check_totals_match(core::election_state const& s)
{
    auto live = s.current_totals();
    auto fresh = s.recompute_totals().view(*s.reference());
    REQUIRE(live.parties.size() == fresh.parties.size());
    CHECK(live.declared == fresh.declared);
    CHECK(live.valid_votes == fresh.valid_votes);
    for (std::size_t i = 0; i < live.parties.size(); ++i) {
        CHECK(live.parties[i].party == fresh.parties[i].party);
        CHECK(live.parties[i].seats == fresh.parties[i].seats);
        CHECK(live.parties[i].gains == fresh.parties[i].gains);
        CHECK(live.parties[i].losses == fresh.parties[i].losses);
        CHECK(live.parties[i].votes == fresh.parties[i].votes);
        CHECK(live.parties[i].share_change == fresh.parties[i].share_change);
    }
}

} // namespace

TEST_CASE("Resends are duplicates, different figures at a revision conflict, older revisions are stale",
          "[core][state]")
{
    fixture f;
    auto r1 = make(*f.ref, "E1", 1, {{"Lab", 400}, {"Con", 350}});
    CHECK(f.send(r1) == core::verdict::accepted);
    CHECK(f.send(r1) == core::verdict::duplicate);
    CHECK(f.send(make(*f.ref, "E1", 1, {{"Lab", 401}, {"Con", 350}})) == core::verdict::conflict);
    CHECK(f.send(make(*f.ref, "E1", 3, {{"Lab", 402}, {"Con", 350}})) == core::verdict::accepted);
    CHECK(f.send(make(*f.ref, "E1", 2, {{"Lab", 403}, {"Con", 350}})) == core::verdict::stale);
    CHECK(f.send(r1) == core::verdict::duplicate); // an old resend is still recognised
    auto const& seat = f.state.seat(0);
    CHECK(seat.current_revision == 3);
    CHECK(seat.revisions.size() == 2);
    CHECK(f.state.last_seq() == 2);
}

TEST_CASE("Totals: seats, gains, losses and like-for-like share change, kept incrementally", "[core][totals]")
{
    fixture f;
    f.send(make(*f.ref, "E1", 1, {{"Lab", 400}, {"Con", 350}, {"LD", 250}})); // Lab gain from Con
    f.send(make(*f.ref, "E2", 1, {{"Lab", 700}, {"Con", 300}}));              // Lab hold
    auto t = f.state.current_totals();
    CHECK(t.declared == 2);
    CHECK(t.total_seats == 3);
    CHECK(t.majority_line == 2);
    REQUIRE(t.parties.size() == 3);
    auto const& lab = t.parties[0];
    CHECK(f.ref->parties[lab.party].code == "Lab");
    CHECK(lab.seats == 2);
    CHECK(lab.gains == 1);
    CHECK(lab.votes == 1100);
    CHECK(lab.share == Approx(55.0));
    // Baseline in the same two seats: Lab 900 of 2000 = 45%.
    CHECK(*lab.share_change == Approx(10.0));
    auto const& con = t.parties[1];
    CHECK(con.losses == 1);
    CHECK(con.seats == 0);
    check_totals_match(f.state);

    // A correction that changes the winner moves the seat and the gain.
    f.send(make(*f.ref, "E1", 2, {{"Lab", 300}, {"Con", 450}, {"LD", 250}}));
    t = f.state.current_totals();
    CHECK(t.declared == 2);
    CHECK(t.parties[0].seats == 1); // Lab
    CHECK(t.parties[0].gains == 0);
    check_totals_match(f.state);
}

TEST_CASE("A failed batch is undone exactly", "[core][state]")
{
    fixture f;
    f.send(make(*f.ref, "E1", 1, {{"Lab", 400}, {"Con", 350}}));
    auto before = f.state.current_totals();
    f.state.begin_batch();
    f.send(make(*f.ref, "E1", 2, {{"Con", 500}, {"Lab", 350}}));
    f.send(make(*f.ref, "E2", 1, {{"Lab", 500}, {"Con", 350}}));
    f.state.register_party("Yorkshire Party");
    f.state.rollback_batch();
    f.seq = 1;

    auto after = f.state.current_totals();
    CHECK(after.declared == before.declared);
    CHECK(after.parties.size() == before.parties.size());
    CHECK(f.state.seat(0).current_revision == 1);
    CHECK(f.state.seat(0).revisions.size() == 1);
    CHECK_FALSE(f.state.seat(1).current);
    CHECK(f.state.last_seq() == 1);
    CHECK_FALSE(f.state.reference()->parties.find("Yorkshire Party"));
    check_totals_match(f.state);
}

TEST_CASE("Registering a party copies the reference and leaves the old one untouched", "[core][state]")
{
    fixture f;
    auto old_ref = f.state.reference();
    auto id = f.state.register_party("Yorkshire Party");
    CHECK(f.state.reference()->parties[id].code == "Yorkshire Party");
    CHECK(f.state.reference()->parties[id].from_feed);
    CHECK_FALSE(old_ref->parties.find("Yorkshire Party"));
    CHECK(f.state.register_party("yorkshire party") == id); // aliases fold case
}
