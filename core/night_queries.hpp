#pragma once
// The questions analysts ask of a night, answered as tables from an election state (live or
// rebuilt from the archive). Pure.
#include "core/election_state.hpp"
#include "core/table.hpp"

namespace electd::core {

/// Every declared seat: its result in one line.
table seats_table(election_state const& s);
/// Gains and losses by party and region (optionally one party, one region).
table gains_table(election_state const& s, std::string const& party = {}, std::string const& region = {});
/// The smallest majorities, as a share of the vote.
table closest_table(election_state const& s, std::size_t n);
/// The biggest Butler swings between the top two.
table swings_table(election_state const& s, std::size_t n);
/// The highest (or lowest) turnouts.
table turnout_table(election_state const& s, std::size_t n, bool highest);
/// Per region: seats declared, seats by party, votes cast, turnout.
table regions_table(election_state const& s);

} // namespace electd::core
