#include "core/declaration.hpp"

#include <algorithm>
#include <map>

namespace electd::core {
namespace {

std::string at(std::size_t i, char const* field)
{
    return "candidates[" + std::to_string(i) + "]" + (field[0] ? "." : "") + field;
}

std::string fold_name(std::string_view s)
{
    return party_table::fold(s); // same folding: case and spacing do not make a new person
}

} // namespace

checked_declaration check_declaration(declaration_input const& in, reference_data const& ref)
{
    checked_declaration out;
    auto& problems = out.problems;
    declaration d;
    d.revision = in.revision;
    d.kind = in.kind;
    d.electorate = in.electorate;
    d.invalid_votes = in.invalid_votes;

    std::optional<seat_index> seat;
    if (!in.constituency && in.pa_number) {
        if (seat = ref.find_pa(*in.pa_number); seat)
            d.seat = *seat;
        else
            problems.push_back({"constituency", "unknown PA constituency number " + std::to_string(*in.pa_number)});
    } else if (!in.constituency) {
        // the parser reported it if it was present but malformed
    } else if (seat = ref.find_ons(*in.constituency); !seat) {
        problems.push_back({"constituency", "unknown constituency '" + *in.constituency
                                                + "' (expected the ONS code of one of the "
                                                + std::to_string(ref.seat_count()) + " seats)"});
    } else {
        d.seat = *seat;
    }
    if (in.revision < 1)
        problems.push_back({"revision", "must be 1 or more"});

    if (in.declared_at) {
        if (auto t = parse_rfc3339(*in.declared_at))
            d.declared_at = *t;
        else
            problems.push_back({"declared_at", "'" + *in.declared_at
                                                   + "' is not an RFC 3339 time with an offset, e.g. "
                                                     "2024-07-05T01:12:00+01:00"});
    }
    if (in.electorate && *in.electorate <= 0)
        problems.push_back({"electorate", "must be a positive integer"});
    if (in.invalid_votes && *in.invalid_votes < 0)
        problems.push_back({"invalid_votes", "must not be negative"});

    if (in.candidates_present && in.candidates.empty())
        problems.push_back({"candidates", "at least one candidate is required"});

    std::map<std::pair<std::string, std::string>, std::size_t> seen; // (name, party) -> index
    std::int64_t total = 0;
    bool totals_known = true;
    for (std::size_t i = 0; i < in.candidates.size(); ++i) {
        auto const& c = in.candidates[i];
        candidate cd;
        cd.elected = c.elected;
        if (c.name && c.name->find_first_not_of(" \t") == std::string::npos)
            problems.push_back({at(i, "name"), "must not be empty"});
        else if (c.name)
            cd.name = *c.name;
        if (c.party && c.party->find_first_not_of(" \t") == std::string::npos) {
            problems.push_back({at(i, "party"), "must not be empty (use \"Ind\" for an independent)"});
        } else if (c.party) {
            if (auto id = ref.parties.find(*c.party)) {
                cd.party = *id;
            } else if (std::find(out.new_parties.begin(), out.new_parties.end(), *c.party)
                       == out.new_parties.end()) {
                out.new_parties.push_back(*c.party);
            }
        }
        if (c.votes && *c.votes < 0)
            problems.push_back({at(i, "votes"), "must not be negative"});
        if (c.votes)
            total += std::max<std::int64_t>(*c.votes, 0), cd.votes = *c.votes;
        else
            totals_known = false;

        if (c.name && c.party) {
            auto party_key = ref.parties.find(*c.party) ? ref.parties[*ref.parties.find(*c.party)].code
                                                        : party_table::fold(*c.party);
            auto [it, fresh] = seen.emplace(std::make_pair(fold_name(*c.name), party_key), i);
            if (!fresh)
                problems.push_back({at(i, ""), "the same candidate as candidates[" + std::to_string(it->second)
                                                   + "] (" + *c.name + ", " + *c.party + ")"});
        }
        d.candidates.push_back(std::move(cd));
    }

    if (seat && totals_known) {
        auto electorate = in.electorate.value_or(ref.seat(*seat).electorate);
        auto ballots = total + std::max<std::int64_t>(in.invalid_votes.value_or(0), 0);
        if (electorate > 0 && ballots > electorate)
            problems.push_back({in.electorate ? "electorate" : "candidates",
                                "votes cast (" + std::to_string(ballots) + ", valid plus invalid) exceed the electorate ("
                                    + std::to_string(electorate) + ")"});
    }

    // Who won must be clear: one candidate with the most votes, or a tie broken by `elected`.
    if (totals_known && !d.candidates.empty() && d.kind == declaration_kind::result) {
        std::int64_t top = 0;
        for (auto const& c : d.candidates)
            top = std::max(top, c.votes);
        auto at_top = std::count_if(d.candidates.begin(), d.candidates.end(),
                                    [&](candidate const& c) { return c.votes == top; });
        auto elected = std::count_if(d.candidates.begin(), d.candidates.end(),
                                     [](candidate const& c) { return c.elected; });
        if (top == 0)
            problems.push_back({"candidates", "no candidate has any votes"});
        else if (elected > 1)
            problems.push_back({"candidates", "more than one candidate is marked elected"});
        for (std::size_t i = 0; i < d.candidates.size(); ++i)
            if (d.candidates[i].elected && d.candidates[i].votes != top)
                problems.push_back({at(i, "elected"), "marked elected but has fewer votes than the leader"});
        if (top > 0 && at_top > 1 && elected == 0)
            problems.push_back({"candidates", "tie for first place: mark the winner with \"elected\": true"});
    }

    if (d.kind == declaration_kind::rush
        && std::none_of(d.candidates.begin(), d.candidates.end(), [](candidate const& c) { return c.elected; }))
        problems.push_back({"candidates", "a rush must mark its winner elected"});

    if (problems.empty() && out.new_parties.empty() && (in.constituency || in.pa_number) && in.declared_at
        && in.candidates_present)
        out.value = std::move(d);
    return out;
}

std::string canonical_form(declaration const& d, reference_data const& ref)
{
    std::vector<std::string> rows;
    rows.reserve(d.candidates.size());
    for (auto const& c : d.candidates)
        rows.push_back(fold_name(c.name) + '\x1f' + ref.parties[c.party].code + '\x1f' + std::to_string(c.votes)
                       + (c.elected ? "\x1f*" : ""));
    std::sort(rows.begin(), rows.end());
    std::string out = ref.seat(d.seat).ons_code;
    out += '\x1e' + std::to_string(d.revision);
    // A rush has no time of its own (it is dated on arrival), so a resent rush is the same rush.
    if (d.kind == declaration_kind::result)
        out += '\x1e' + std::to_string(to_unix_ms(d.declared_at.utc)) + '/' + std::to_string(d.declared_at.offset_minutes);
    out += '\x1e' + (d.electorate ? std::to_string(*d.electorate) : "-");
    out += '\x1e' + (d.invalid_votes ? std::to_string(*d.invalid_votes) : "-");
    out += d.kind == declaration_kind::rush ? "\x1erush" : "\x1eresult";
    for (auto const& r : rows)
        out += '\x1e' + r;
    return out;
}

} // namespace electd::core
