#pragma once
// How results, seats and totals look in JSON. Shared by the API, storage and the stream so
// every consumer sees one shape. Pure functions.
#include "core/analyst.hpp"
#include "core/election_state.hpp"
#include "core/json_writer.hpp"

namespace electd::core {

void write_result(json_writer& w, seat_result const& r, reference_data const& ref);
void write_totals(json_writer& w, totals const& t, reference_data const& ref);
void write_constituency_fields(json_writer& w, constituency const& c); // fields only, no braces
void write_baseline(json_writer& w, baseline const& b, reference_data const& ref);
void write_party_ref(json_writer& w, party_id p, reference_data const& ref); // {"code","name","colour"}

/// An alert as stored and served: seq, type, severity, constituency, parties, text, at, data.
void write_alert(json_writer& w, alert const& a, reference_data const& ref);
/// A declaration's comparison with the exit poll, the projections and tonight's records.
void write_analysis(json_writer& w, declaration_analysis const& a, reference_data const& ref);
/// A model with its running scoreboard and projected totals.
void write_model_summary(json_writer& w, model const& m, model_score const& score,
                         std::vector<projected_party> const& projection, reference_data const& ref);

/// "awaiting", "declared" or "revised" (more than one stored revision).
char const* seat_status(seat_state const& s);

} // namespace electd::core
