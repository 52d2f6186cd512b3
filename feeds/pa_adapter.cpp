#include "feeds/pa_adapter.hpp"

namespace electd::feeds {
namespace {

std::string candidate_name(pa_candidate const& c)
{
    if (!c.first_name.empty() || !c.surname.empty())
        return c.first_name.empty() ? c.surname : c.surname.empty() ? c.first_name : c.first_name + " " + c.surname;
    return c.ballot_name;
}

void note_party(std::vector<pa_party>& parties, pa_party const& p)
{
    for (auto const& q : parties)
        if (q.abbreviation == p.abbreviation)
            return;
    parties.push_back(p);
}

} // namespace

pa_declaration to_declaration(pa_result const& r, core::timestamp received_at)
{
    pa_declaration out;
    auto& in = out.input;
    auto const& c = r.constituency;
    in.pa_number = c.number;
    in.revision = r.revision;
    in.kind = r.rush ? core::declaration_kind::rush : core::declaration_kind::result;
    in.declared_at = r.declaration_time ? *r.declaration_time : core::format_rfc3339(received_at);
    in.electorate = c.electorate;
    in.candidates_present = true;
    std::int64_t valid = 0;
    for (auto const& cand : c.candidates) {
        core::candidate_input ci;
        ci.name = candidate_name(cand);
        // Parties by abbreviation (the alias table knows PA's: C, Reform, ...), else by name.
        ci.party = !cand.party.abbreviation.empty() ? cand.party.abbreviation : cand.party.name;
        ci.votes = cand.votes.value_or(0);
        ci.elected = cand.elected;
        valid += ci.votes.value_or(0);
        in.candidates.push_back(std::move(ci));
        note_party(out.seat.parties, cand.party);
    }
    // PA's turnout counts ballots; what the candidates did not get was rejected.
    if (!r.rush && c.turnout && *c.turnout >= valid)
        in.invalid_votes = *c.turnout - valid;

    out.seat.number = c.number;
    out.seat.name = c.name;
    out.seat.electorate = c.electorate;
    out.seat.sitting_party = c.sitting_party;
    // The notional result on the new boundaries if PA sends one, else the last election.
    auto const* previous = r.previous_notional ? &*r.previous_notional : r.previous ? &*r.previous : nullptr;
    if (previous) {
        for (auto const& cand : previous->candidates) {
            if (!cand.votes)
                continue;
            auto it = std::find_if(out.seat.baseline.begin(), out.seat.baseline.end(),
                                   [&](auto const& pv) { return pv.first.abbreviation == cand.party.abbreviation; });
            if (it == out.seat.baseline.end())
                out.seat.baseline.emplace_back(cand.party, *cand.votes);
            else
                it->second += *cand.votes; // two independents last time: one party line
            note_party(out.seat.parties, cand.party);
        }
    }
    return out;
}

} // namespace electd::feeds
