#include "core/analyst.hpp"

#include "core/model.hpp"
#include "core/seat_facts.hpp"
#include "tests/support/mini_reference.hpp"

#include <catch2/catch.hpp>

using namespace electd;

namespace {

core::declaration make(core::reference_data const& ref, std::string seat, int revision,
                       std::vector<std::pair<std::string, std::int64_t>> votes,
                       core::declaration_kind kind = core::declaration_kind::result)
{
    core::declaration_input in;
    in.constituency = std::move(seat);
    in.revision = revision;
    in.declared_at = "2024-07-05T02:00:00+01:00";
    in.candidates_present = true;
    in.kind = kind;
    for (auto& [party, v] : votes)
        in.candidates.push_back({party + " candidate", party, v, kind == core::declaration_kind::rush && v == 1});
    auto c = core::check_declaration(in, ref);
    INFO((c.problems.empty() ? "" : c.problems[0].message));
    REQUIRE(c.value);
    return *c.value;
}

std::shared_ptr<core::model> probabilities(core::reference_data const& ref, std::string name,
                                           std::vector<std::pair<std::string, std::vector<std::pair<std::string, double>>>> seats)
{
    auto m = std::make_shared<core::model>();
    m->name = std::move(name);
    m->title = m->name;
    m->kind = core::model_kind::probabilities;
    m->seats.resize(ref.seat_count());
    for (auto& [ons, values] : seats) {
        core::seat_forecast f;
        for (auto& [party, v] : values) {
            auto p = *ref.parties.find(party);
            f.values.push_back({p, v});
            if (std::find(m->parties.begin(), m->parties.end(), p) == m->parties.end())
                m->parties.push_back(p);
        }
        m->seats[*ref.find_ons(ons)] = f;
    }
    m->settle_favourites();
    return m;
}

struct night {
    std::shared_ptr<core::reference_data> ref = test::mini_reference();
    core::election_state state{ref};
    core::analyst analyst{ref, core::analyst_config{2, 100}}; // records from the second seat
    std::int64_t seq = 0;
    std::vector<core::alert> alerts;

    std::vector<core::alert> send(core::declaration const& d)
    {
        auto canonical = core::canonical_form(d, *ref);
        REQUIRE(state.classify(d, canonical) == core::verdict::accepted);
        auto previous = state.seat(d.seat).current;
        state.apply(d, canonical, ++seq, core::timestamp{});
        std::vector<core::alert> out;
        analyst.on_result(state, d.seat, previous.get(), d.declared_at, seq, out);
        alerts.insert(alerts.end(), out.begin(), out.end());
        return out;
    }
};

std::vector<std::string> types(std::vector<core::alert> const& alerts)
{
    std::vector<std::string> out;
    for (auto const& a : alerts)
        out.push_back(a.type);
    return out;
}

} // namespace

TEST_CASE("Swing needed and target ranks from the baseline", "[core][facts]")
{
    auto ref = test::mini_reference();
    core::seat_facts facts(ref);
    auto con = *ref->parties.find("Con"), lab = *ref->parties.find("Lab"), ld = *ref->parties.find("LD");
    // E1: Con 50%, Lab 30%, LD 20%. E2: Lab 60%, Con 40%.
    CHECK(*facts.swing_needed(0, lab) == Approx(10.0));
    CHECK(*facts.swing_needed(0, ld) == Approx(15.0));
    CHECK_FALSE(facts.swing_needed(0, con));
    CHECK(*facts.swing_needed(1, con) == Approx(10.0));
    CHECK(facts.target_rank(0, lab) == 1);
    CHECK(facts.target_rank(1, con) == 1);
    CHECK_FALSE(facts.target_rank(1, lab));
    CHECK_FALSE(facts.swing_needed(2, lab)); // no baseline

    // Ties on swing go to the smaller majority in votes.
    auto tie = test::mini_reference();
    auto a = *tie->parties.find("Con"), b = *tie->parties.find("Lab");
    tie->add_constituency({"E4", 4, "Big", "R", "England", 9000}, core::baseline::from_votes({{a, 6000}, {b, 4000}}));
    tie->add_constituency({"E5", 5, "Small", "R", "England", 900}, core::baseline::from_votes({{a, 600}, {b, 400}}));
    core::seat_facts tf(tie);
    auto const& lab_targets = tf.targets(b);
    REQUIRE(lab_targets.size() == 3); // E1 (10 points, majority 200), E5 (10, 200), E4 (10, 2000)
    CHECK(tie->seat(lab_targets[2].seat).ons_code == "E4");
    CHECK(tf.target_rank(*tie->find_ons("E4"), b) == 3);
}

TEST_CASE("Loughborough falls to Labour on a 5.9% swing, about 61st on its list", "[core][facts]")
{
    // The 2024 explainer's figures, from the bundled notionals (rule: see seat_facts.hpp).
    extern std::shared_ptr<core::reference_data> bundled_reference();
    auto ref = bundled_reference();
    core::seat_facts facts(ref);
    auto seat = *ref->find_ons("E14001342");
    auto lab = *ref->parties.find("Lab");
    CHECK(*facts.swing_needed(seat, lab) == Approx(5.9).margin(0.05));
    auto rank = *facts.target_rank(seat, lab);
    CHECK(rank >= 59);
    CHECK(rank <= 63);
}

TEST_CASE("Uniform national swing moves every seat by the same points, floored at zero", "[core][scenario]")
{
    auto ref = test::mini_reference();
    auto con = *ref->parties.find("Con"), lab = *ref->parties.find("Lab");
    auto m = core::uniform_swing(*ref, "s", "test", {{lab, 12}, {con, -12}});
    REQUIRE(m.seats[0]);
    CHECK(m.seats[0]->value_of(lab) == Approx(42));
    CHECK(m.seats[0]->value_of(con) == Approx(38));
    CHECK(m.seats[0]->favourite == lab); // Con 50 -> 38, Lab 30 -> 42: a gain on a 12-point swing
    CHECK_FALSE(m.seats[2]);               // no baseline, no projection

    auto wipeout = core::uniform_swing(*ref, "w", "test", {{con, -45}});
    // E2: Con 40 - 45 -> 0, Lab 60: renormalised to 100.
    CHECK(wipeout.seats[1]->value_of(lab) == Approx(100));
    CHECK(wipeout.seats[1]->value_of(con) == Approx(0));
}

TEST_CASE("Seat probabilities are summed as expected seats, rescaled when they do not add to one",
          "[core][scenario]")
{
    auto ref = test::mini_reference();
    auto m = probabilities(*ref, "p", {{"E1", {{"Lab", 0.6}, {"Con", 0.6}}}, {"E2", {{"Lab", 0.9}, {"Con", 0.1}}}});
    auto seats = core::expected_seats(*m, ref->parties.size(), {true, true, true});
    CHECK(seats[*ref->parties.find("Lab")] == Approx(1.4)); // 0.5 + 0.9
    CHECK(seats[*ref->parties.find("Con")] == Approx(0.6)); // 0.5 + 0.1
    CHECK(seats[*ref->parties.find("Lab")] + seats[*ref->parties.find("Con")] == Approx(2.0));
}

TEST_CASE("Projected totals: declared seats plus the model, and the calibrated correction", "[core][projection]")
{
    night n;
    auto m = probabilities(*n.ref, "exit_poll", {{"E1", {{"Lab", 0.2}, {"Con", 0.8}}}, {"E2", {{"Lab", 0.5}, {"Con", 0.5}}}});
    n.analyst.put_model(m, n.state);
    n.send(make(*n.ref, "E1", 1, {{"Lab", 400}, {"Con", 350}}));
    auto rows = n.analyst.projection(n.state, *m);
    auto row = [&](char const* code) {
        for (auto const& r : rows)
            if (n.ref->parties[r.party].code == code)
                return r;
        FAIL("no row for " << code);
        return core::projected_party{};
    };
    // Lab won a seat the model gave it 20% of: ratio (1+1)/(0.2+1); Con (0+1)/(0.8+1).
    // E2's 50/50 becomes 0.8333 : 0.2778, i.e. 75% : 25%.
    CHECK(row("Lab").declared == 1);
    CHECK(row("Lab").undeclared == Approx(0.5));
    CHECK(row("Lab").projected == Approx(1.5));
    CHECK(row("Lab").corrected == Approx(1.75));
    CHECK(row("Con").projected == Approx(0.5));
    CHECK(row("Con").corrected == Approx(0.25));
    auto const& score = n.analyst.score("exit_poll");
    CHECK(score.called == 1);
    CHECK(score.right == 0);
}

TEST_CASE("Alerts: gain, target, first seat, watchlist, majority once, correction and retraction", "[core][alerts]")
{
    night n;
    n.ref->add_watch({1, "watch this"});
    auto first = n.send(make(*n.ref, "E1", 1, {{"Lab", 400}, {"Con", 350}}));
    CHECK(types(first) == std::vector<std::string>{"gain", "target", "first_seat", "milestone"});
    CHECK(first[0].text == "Labour gain Seat One from Conservative, majority 50");
    CHECK(first[0].level == core::severity::medium);
    CHECK(first[0].seq == 1);

    auto second = n.send(make(*n.ref, "E2", 1, {{"Lab", 700}, {"Con", 300}}));
    CHECK(types(second) == std::vector<std::string>{"hold", "watchlist", "majority", "record"}); // highest turnout
    CHECK(second[2].level == core::severity::critical);
    CHECK(second[0].seq == 5);

    // New figures, same winner: a correction.
    auto corrected = n.send(make(*n.ref, "E1", 2, {{"Lab", 410}, {"Con", 350}}));
    REQUIRE_FALSE(corrected.empty());
    CHECK(corrected[0].type == "correction");

    // New figures that change the winner: the gain is retracted by its seq, then a hold.
    auto flipped = n.send(make(*n.ref, "E1", 3, {{"Lab", 300}, {"Con", 450}}));
    REQUIRE(flipped.size() >= 2);
    CHECK(flipped[0].type == "retraction");
    CHECK(flipped[0].retracts == 1);
    CHECK(flipped[1].type == "hold");
    CHECK(types(flipped) == std::vector<std::string>{"retraction", "hold", "first_seat"}); // Con's first seat

    // Back again: the hold is retracted; the majority is never announced twice.
    auto back = n.send(make(*n.ref, "E1", 4, {{"Lab", 500}, {"Con", 450}}));
    CHECK(back[0].type == "retraction");
    CHECK(back[0].retracts == flipped[1].seq);
    CHECK(std::count_if(n.alerts.begin(), n.alerts.end(), [](auto const& a) { return a.type == "majority"; }) == 1);

    // Numbered without gaps.
    for (std::size_t i = 0; i < n.alerts.size(); ++i)
        CHECK(n.alerts[i].seq == static_cast<std::int64_t>(i + 1));
}

TEST_CASE("Exit-poll upsets and projection misses", "[core][alerts]")
{
    night n;
    n.analyst.put_model(probabilities(*n.ref, "exit_poll", {{"E1", {{"Lab", 0.05}, {"Con", 0.95}}}}), n.state);
    auto yougov = probabilities(*n.ref, "yougov", {{"E1", {{"Lab", 0.1}, {"Con", 0.9}}}});
    yougov->headline = true;
    n.analyst.put_model(yougov, n.state);
    auto alerts = n.send(make(*n.ref, "E1", 1, {{"Lab", 400}, {"Con", 350}}));
    auto upset = std::find_if(alerts.begin(), alerts.end(), [](auto const& a) { return a.type == "exit_poll_upset"; });
    REQUIRE(upset != alerts.end());
    CHECK(upset->level == core::severity::high); // under 10%
    CHECK(upset->text == "Exit poll upset in Seat One: Labour won, given a 5% chance (favourite: Conservative, 95%)");
    auto miss = std::find_if(alerts.begin(), alerts.end(), [](auto const& a) { return a.type == "projection_miss"; });
    REQUIRE(miss != alerts.end());
    CHECK(miss->text.find("yougov (Con)") != std::string::npos);
    CHECK(n.analyst.score("yougov").right == 0);
    CHECK(n.analyst.score("yougov").called == 1);
}

TEST_CASE("A rush names the winner at once; the full result completes it without a second gain", "[core][alerts]")
{
    night n;
    auto rush = n.send(make(*n.ref, "E1", 1, {{"Lab", 1}, {"Con", 0}}, core::declaration_kind::rush));
    REQUIRE_FALSE(rush.empty());
    CHECK(rush[0].type == "gain");
    CHECK(rush[0].text.find("provisional") != std::string::npos);
    auto full = n.send(make(*n.ref, "E1", 2, {{"Lab", 400}, {"Con", 350}}));
    CHECK(std::none_of(full.begin(), full.end(), [](auto const& a) { return a.type == "gain" || a.type == "correction"; }));
}
