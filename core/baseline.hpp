#pragma once
// The previous (notional) result of one seat, against which gain/hold and change are measured.
#include "core/party.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace electd::core {

struct party_votes {
    party_id party = 0;
    std::int64_t votes = 0;
};

class baseline {
public:
    baseline() = default;
    /// Builds from per-party votes (any order; zero rows dropped). `lump` is the party id of an
    /// "others" bucket that can never be the winner (nullopt when there is none).
    static baseline from_votes(std::vector<party_votes> votes, std::optional<party_id> lump = std::nullopt);
    /// The party that held the seat, when it is not the one with most votes (PA's sittingParty
    /// after a by-election or a defection): gain and hold are measured against it.
    void set_holder(party_id p);

    bool empty() const { return votes_.empty(); }
    std::vector<party_votes> const& votes() const { return votes_; } // most votes first
    std::int64_t total() const { return total_; }
    std::int64_t votes_for(party_id p) const;
    /// Share in percent of the valid vote; 0 for a party that did not stand.
    double share(party_id p) const;
    bool stood(party_id p) const { return votes_for(p) > 0; }
    std::optional<party_id> winner() const { return winner_; }
    std::optional<party_id> second() const { return second_; }
    std::int64_t majority() const { return majority_; }

private:
    std::vector<party_votes> votes_;
    std::int64_t total_ = 0;
    std::optional<party_id> winner_, second_;
    std::int64_t majority_ = 0;
};

} // namespace electd::core
