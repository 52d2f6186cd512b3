#pragma once
// From a PA message to what electd ingests: the declaration as a declaration_input (seat by
// PA number, parties by PA abbreviation, which the alias table maps) and, for an election run
// without reference data, what the feed says about the seat itself. Pure.
#include "core/declaration.hpp"
#include "feeds/pa_xml.hpp"

namespace electd::feeds {

struct pa_seat_facts {
    int number = 0;
    std::string name;
    std::optional<std::int64_t> electorate;
    std::vector<std::pair<pa_party, std::int64_t>> baseline; // previous (notional) votes by party
    std::string sitting_party;                               // abbreviation: gain/hold is against it
    std::vector<pa_party> parties;                           // every party the message names
};

struct pa_declaration {
    core::declaration_input input;
    pa_seat_facts seat;
};

/// A result or rush as a declaration. A rush carries no time or votes: it is dated when it was
/// received, and its candidates count 0.
pa_declaration to_declaration(pa_result const& r, core::timestamp received_at);

} // namespace electd::feeds
