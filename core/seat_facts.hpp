#pragma once
// What the baseline says about each seat before a vote is counted: the swing each party needs
// to take it, and where it sits on that party's target list. Immutable once built.
#include "core/reference.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace electd::core {

struct target_entry {
    seat_index seat = 0;
    double swing_needed = 0; // points of Butler swing from the notional winner
    int rank = 0;            // 1 = the party's easiest target
};

class seat_facts {
public:
    /// Ranking rule: a party's target list holds the seats it did not win in the baseline but
    /// stood in, ordered by the swing it needs from the seat's winner, (winner's share - its
    /// share) / 2; ties go to the smaller majority in votes, then the ONS code.
    explicit seat_facts(std::shared_ptr<reference_data const> ref);

    /// Swing `p` needs to take seat `i` from its baseline winner; nullopt if `p` holds the seat
    /// or the seat has no baseline.
    std::optional<double> swing_needed(seat_index i, party_id p) const;
    /// `p`'s target rank for seat `i`, if the seat is on its list.
    std::optional<int> target_rank(seat_index i, party_id p) const;
    std::vector<target_entry> const& targets(party_id p) const;

private:
    std::shared_ptr<reference_data const> ref_; // the baseline it was built from
    std::vector<std::vector<target_entry>> targets_; // by party
    std::vector<std::vector<int>> rank_;              // [party][seat] -> rank, 0 = not a target
};

} // namespace electd::core
