#pragma once
// The result of one declared seat, computed from the declaration and the seat's baseline. Pure.
#include "core/declaration.hpp"

#include <optional>
#include <string>
#include <vector>

namespace electd::core {

struct candidate_result {
    std::string name;
    party_id party = 0;
    std::int64_t votes = 0;
    double share = 0;                    // % of valid votes
    std::optional<double> share_change;  // points against the baseline; none if the party did not stand
};

struct party_result {
    party_id party = 0;
    std::int64_t votes = 0;
    double share = 0;
    std::optional<double> share_change;
};

/// Butler swing between two parties: the average of one's gain in share and the other's loss,
/// in percentage points, always reported as a non-negative swing from `from` to `to`.
struct swing {
    party_id from = 0;
    party_id to = 0;
    double points = 0;
};

struct seat_result {
    declaration_kind kind = declaration_kind::result;
    std::vector<candidate_result> candidates; // most votes first; the winner is first
    std::vector<party_result> parties;        // per party, most votes first
    std::int64_t valid_votes = 0;
    std::optional<std::int64_t> invalid_votes;
    std::int64_t electorate = 0;               // as declared, else the reference figure; 0 unknown
    std::optional<double> turnout;             // % of the electorate (valid + invalid ballots)
    party_id winner = 0;
    std::optional<party_id> runner_up;
    std::int64_t majority = 0;                 // votes between first and second
    double majority_share = 0;                 // majority as % of valid votes
    std::optional<party_id> previous_winner;   // the baseline's winner
    bool gain = false;
    std::optional<swing> swing_between_top_two;
    std::string text;                          // PA style: "Lab gain from Con", "Con hold"
};

/// Computes the result. `d` must have passed check_declaration.
seat_result compute_result(declaration const& d, reference_data const& ref);

/// Butler swing from `a` to `b`: ((b_now - b_then) - (a_now - a_then)) / 2, in points.
/// Positive means a swing from a to b.
double butler_swing(double a_then, double a_now, double b_then, double b_now);

} // namespace electd::core
