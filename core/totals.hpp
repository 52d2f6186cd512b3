#pragma once
// The state of the parties, kept incrementally as results arrive and are revised. Value type.
#include "core/result.hpp"

#include <optional>
#include <vector>

namespace electd::core {

struct party_total {
    party_id party = 0;
    int seats = 0;
    int gains = 0;
    int losses = 0;
    std::int64_t votes = 0;
    double share = 0;                   // % of valid votes in declared seats
    std::optional<double> share_change; // against the baseline in the same (declared) seats
};

struct totals {
    int declared = 0;
    int total_seats = 0;
    int majority_line = 0;
    std::int64_t valid_votes = 0;
    std::vector<party_total> parties; // most seats first, then most votes
};

class totals_accumulator {
public:
    /// Adds (sign = +1) or removes (sign = -1) one seat's result and its baseline.
    void apply(seat_result const& r, baseline const& b, int sign);
    totals view(reference_data const& ref) const;
    int declared() const { return declared_; }
    int seats_of(party_id p) const { return p < rows_.size() ? rows_[p].seats : 0; }

private:
    struct row {
        int seats = 0, gains = 0, losses = 0;
        std::int64_t votes = 0, baseline_votes = 0;
    };
    row& at(party_id p);
    std::vector<row> rows_;
    int declared_ = 0;
    std::int64_t valid_votes_ = 0;
    std::int64_t baseline_total_ = 0;
};

} // namespace electd::core
