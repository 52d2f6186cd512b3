#pragma once
// Forecasts to measure the night against: the exit poll and pre-set projections (MRP models,
// seat calls, uniform-swing scenarios). Each gives, per seat, vote shares, win probabilities
// or a single pick. Value types; share once const.
#include "core/reference.hpp"

#include <optional>
#include <string>
#include <vector>

namespace electd::core {

enum class model_kind { shares, probabilities, pick };

char const* to_string(model_kind k);
std::optional<model_kind> model_kind_from(std::string_view s);

struct party_value {
    party_id party = 0;
    double value = 0; // % for shares, 0..1 for probabilities
    friend bool operator==(party_value const&, party_value const&) = default;
};

struct seat_forecast {
    std::vector<party_value> values; // empty for a pick
    party_id favourite = 0;          // the pick, the largest share or the most likely winner
    /// The value for a party (0 if absent).
    double value_of(party_id p) const;
    friend bool operator==(seat_forecast const&, seat_forecast const&) = default;
};

struct model {
    std::string name;  // "exit_poll", "yougov", "scenario:reform-ukip-2015"
    std::string title; // "YouGov MRP"
    model_kind kind = model_kind::shares;
    bool headline = false; // a miss by a headline model raises a projection_miss alert
    std::string published; // when the model was made, e.g. "2024-07-03"
    std::string source;
    std::vector<party_id> parties; // the parties the model names; any other is "others"
    std::vector<std::optional<seat_forecast>> seats; // by seat index; nullopt where not covered
    std::vector<std::pair<party_id, int>> national_seats; // a headline seat projection, if any

    std::size_t covered() const;
    /// A real party as the model sees it: itself if the model names it, otherwise the others
    /// lump (when the model has one), otherwise the party itself.
    party_id as_modelled(party_id actual, std::optional<party_id> lump) const;
    /// Picks each seat's favourite from its values (call after filling them).
    void settle_favourites();
    /// The same forecasts (a reload changes nothing).
    friend bool operator==(model const&, model const&) = default;
};

/// A probability-weighted seat count per party over the given seats.
std::vector<double> expected_seats(model const& m, std::size_t party_count, std::vector<bool> const& include);

/// Uniform national swing: every seat's baseline shares moved by the same national changes (in
/// points), floored at zero and renormalised to 100. Seats without a baseline are not covered.
model uniform_swing(reference_data const& ref, std::string name, std::string title,
                    std::vector<std::pair<party_id, double>> const& national_change);

/// National baseline shares (% of all baseline votes), by party id.
std::vector<double> national_baseline_shares(reference_data const& ref);

} // namespace electd::core
