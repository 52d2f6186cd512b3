#include "core/totals.hpp"

#include <algorithm>

namespace electd::core {

totals_accumulator::row& totals_accumulator::at(party_id p)
{
    if (rows_.size() <= p)
        rows_.resize(p + 1);
    return rows_[p];
}

void totals_accumulator::apply(seat_result const& r, baseline const& b, int sign)
{
    declared_ += sign;
    valid_votes_ += sign * r.valid_votes;
    at(r.winner).seats += sign;
    if (r.gain) {
        at(r.winner).gains += sign;
        at(*r.previous_winner).losses += sign;
    }
    for (auto const& p : r.parties)
        at(p.party).votes += sign * p.votes;
    // A rush carries no votes, so its seat's baseline would dilute the comparison: count the
    // baseline only where votes are counted.
    if (r.valid_votes > 0) {
        baseline_total_ += sign * b.total();
        for (auto const& v : b.votes())
            at(v.party).baseline_votes += sign * v.votes;
    }
}

totals totals_accumulator::view(reference_data const& ref) const
{
    totals t;
    t.declared = declared_;
    t.total_seats = ref.total_seats();
    t.majority_line = ref.majority_line();
    t.valid_votes = valid_votes_;
    for (party_id p = 0; p < rows_.size(); ++p) {
        auto const& row = rows_[p];
        if (row.seats == 0 && row.votes == 0 && row.losses == 0 && row.gains == 0)
            continue;
        party_total pt{p, row.seats, row.gains, row.losses, row.votes};
        if (valid_votes_ > 0)
            pt.share = 100.0 * static_cast<double>(row.votes) / static_cast<double>(valid_votes_);
        if (row.baseline_votes > 0 && baseline_total_ > 0)
            pt.share_change = pt.share - 100.0 * static_cast<double>(row.baseline_votes)
                                             / static_cast<double>(baseline_total_);
        t.parties.push_back(pt);
    }
    std::stable_sort(t.parties.begin(), t.parties.end(), [](party_total const& a, party_total const& b) {
        if (a.seats != b.seats)
            return a.seats > b.seats;
        return a.votes > b.votes;
    });
    return t;
}

} // namespace electd::core
