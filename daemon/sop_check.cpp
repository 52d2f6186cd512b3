#include "daemon/sop_check.hpp"

#include "core/text.hpp"

#include <map>
#include <set>

namespace electd::daemon {

namespace {

struct tally {
    int seats = 0, gains = 0, losses = 0;
    std::int64_t votes = 0;
};

bool is_others(feeds::pa_party const& p)
{
    return p.abbreviation == "Others" || p.abbreviation == "Oth" || p.name == "Others";
}

} // namespace

std::vector<std::string> compare_state_of_parties(feeds::pa_state_of_parties const& sop, core::election_state const& state)
{
    std::vector<std::string> out;
    auto const& ref = *state.reference();

    // The seats PA counted; without a list, every seat electd has a result for.
    std::vector<core::seat_index> seats;
    std::vector<std::string> missing;
    if (!sop.constituencies.empty()) {
        for (auto const& [number, name] : sop.constituencies) {
            auto seat = ref.find_pa(number);
            if (seat && state.seat(*seat).current && state.seat(*seat).current->kind == core::declaration_kind::result)
                seats.push_back(*seat);
            else
                missing.push_back(name.empty() ? "PA " + std::to_string(number) : name);
        }
    } else {
        for (core::seat_index i = 0; i < state.seat_count(); ++i)
            if (state.seat(i).current)
                seats.push_back(i);
        if (static_cast<int>(seats.size()) != sop.number_of_results)
            out.push_back("PA counts " + std::to_string(sop.number_of_results) + " results, electd has "
                          + std::to_string(seats.size()));
    }
    if (!missing.empty()) {
        std::string names;
        for (std::size_t i = 0; i < missing.size() && i < 5; ++i)
            names += (i ? ", " : "") + missing[i];
        if (missing.size() > 5)
            names += " and " + std::to_string(missing.size() - 5) + " more";
        out.push_back(std::to_string(missing.size()) + " seat" + (missing.size() > 1 ? "s" : "")
                      + " PA counts have no full result in electd: " + names);
    }

    std::map<core::party_id, tally> ours;
    for (auto i : seats) {
        auto const& r = *state.seat(i).current;
        ours[r.winner].seats += 1;
        if (r.gain) {
            ours[r.winner].gains += 1;
            ours[*r.previous_winner].losses += 1;
        }
        for (auto const& p : r.parties)
            ours[p.party].votes += p.votes;
    }

    std::set<core::party_id> listed;
    std::optional<feeds::pa_sop_party> others;
    for (auto const& p : sop.parties) {
        if (is_others(p.party)) {
            others = p;
            continue;
        }
        auto id = ref.parties.find(p.party.abbreviation);
        if (!id)
            id = ref.parties.find(p.party.name);
        if (!id) {
            if (p.seats || p.votes)
                out.push_back("PA lists " + p.party.abbreviation + " (" + std::to_string(p.seats) + " seats, "
                              + core::thousands(p.votes) + " votes), a party electd has not seen");
            continue;
        }
        listed.insert(*id);
        auto const& t = ours[*id];
        auto code = ref.parties[*id].code;
        auto check = [&](char const* what, std::int64_t pa, std::int64_t mine) {
            if (pa != mine)
                out.push_back(code + " " + what + ": PA " + core::thousands(pa) + ", electd " + core::thousands(mine));
        };
        check("seats", p.seats, t.seats);
        check("gains", p.gains, t.gains);
        check("losses", p.losses, t.losses);
        check("votes", p.votes, t.votes);
    }
    if (others) {
        std::int64_t rest = 0;
        for (auto const& [id, t] : ours)
            if (!listed.count(id))
                rest += t.votes;
        if (others->votes != rest)
            out.push_back("Others votes: PA " + core::thousands(others->votes) + ", electd " + core::thousands(rest));
    }
    return out;
}

} // namespace electd::daemon
