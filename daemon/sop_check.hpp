#pragma once
// Checks PA's state of the parties against electd's own count of the same seats.
#include "core/election_state.hpp"
#include "feeds/pa_xml.hpp"

#include <string>
#include <vector>

namespace electd::daemon {

/// Where PA's figures (seats, gains, losses, votes per party, over the seats the message
/// lists) differ from electd's current results for those seats; empty when they agree.
/// PA folds parties it does not list into "Others"; that line is compared with the sum of
/// electd's parties PA does not list.
std::vector<std::string> compare_state_of_parties(feeds::pa_state_of_parties const& sop, core::election_state const& state);

} // namespace electd::daemon
