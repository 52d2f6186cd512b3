#include "core/result.hpp"

#include <algorithm>
#include <unordered_map>

namespace electd::core {

double butler_swing(double a_then, double a_now, double b_then, double b_now)
{
    return ((b_now - b_then) - (a_now - a_then)) / 2.0;
}

seat_result compute_result(declaration const& d, reference_data const& ref)
{
    seat_result r;
    r.kind = d.kind;
    auto const& seat = ref.seat(d.seat);
    auto const& base = ref.baseline_of(d.seat);

    for (auto const& c : d.candidates)
        r.valid_votes += c.votes;
    auto pct = [&](std::int64_t v) {
        return r.valid_votes > 0 ? 100.0 * static_cast<double>(v) / static_cast<double>(r.valid_votes) : 0.0;
    };

    // Candidates, most votes first; a tie at the top is settled by the `elected` mark.
    std::vector<candidate const*> order;
    for (auto const& c : d.candidates)
        order.push_back(&c);
    std::stable_sort(order.begin(), order.end(), [](candidate const* a, candidate const* b) {
        if (a->votes != b->votes)
            return a->votes > b->votes;
        return a->elected && !b->elected;
    });
    if (d.kind == declaration_kind::rush) // a rush names the winner and may carry no votes
        std::stable_partition(order.begin(), order.end(), [](candidate const* c) { return c->elected; });

    // Votes by party (two independents are one "Ind" line in the party view).
    std::unordered_map<party_id, std::int64_t> by_party;
    for (auto const* c : order)
        by_party[c->party] += c->votes;
    for (auto const* c : order) {
        if (by_party.count(c->party) == 0)
            continue;
        party_result pr{c->party, by_party[c->party], pct(by_party[c->party]), std::nullopt};
        if (base.stood(c->party)) // a party new to the seat has no change to report
            pr.share_change = pr.share - base.share(c->party);
        r.parties.push_back(pr);
        by_party.erase(c->party);
    }
    std::stable_sort(r.parties.begin(), r.parties.end(),
                     [](party_result const& a, party_result const& b) { return a.votes > b.votes; });

    std::unordered_map<party_id, int> candidates_of_party;
    for (auto const* c : order)
        ++candidates_of_party[c->party];
    for (auto const* c : order) {
        candidate_result cr{c->name, c->party, c->votes, pct(c->votes), std::nullopt};
        // A candidate's change is the party's change only when they are its only candidate.
        if (candidates_of_party[c->party] == 1 && base.stood(c->party))
            cr.share_change = cr.share - base.share(c->party);
        r.candidates.push_back(std::move(cr));
    }

    r.invalid_votes = d.invalid_votes;
    r.electorate = d.electorate.value_or(seat.electorate);
    if (r.electorate > 0 && r.valid_votes > 0) {
        auto ballots = r.valid_votes + d.invalid_votes.value_or(0);
        r.turnout = 100.0 * static_cast<double>(ballots) / static_cast<double>(r.electorate);
    }

    if (!r.candidates.empty())
        r.winner = r.candidates[0].party;
    if (r.candidates.size() > 1) {
        r.runner_up = r.candidates[1].party;
        r.majority = r.candidates[0].votes - r.candidates[1].votes;
    } else if (!r.candidates.empty()) {
        r.majority = r.candidates[0].votes;
    }
    r.majority_share = pct(r.majority);

    auto const& winner_code = ref.parties[r.winner].code;
    r.previous_winner = base.winner();
    if (r.previous_winner && *r.previous_winner != r.winner) {
        r.gain = true;
        r.text = winner_code + " gain from " + ref.parties[*r.previous_winner].code;
    } else {
        r.text = winner_code + (r.previous_winner ? " hold" : " win");
    }

    if (r.runner_up && !base.empty() && d.kind == declaration_kind::result) {
        auto share_now = [&](party_id p) {
            for (auto const& pr : r.parties)
                if (pr.party == p)
                    return pr.share;
            return 0.0;
        };
        auto w = r.winner, s = *r.runner_up;
        double points = butler_swing(base.share(s), share_now(s), base.share(w), share_now(w));
        r.swing_between_top_two = points >= 0 ? swing{s, w, points} : swing{w, s, -points};
    }
    return r;
}

} // namespace electd::core
