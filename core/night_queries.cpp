#include "core/night_queries.hpp"

#include <algorithm>
#include <map>

namespace electd::core {
namespace {

struct declared_seat {
    seat_index seat;
    seat_result const* result;
};

std::vector<declared_seat> declared(election_state const& s)
{
    std::vector<declared_seat> out;
    for (seat_index i = 0; i < s.seat_count(); ++i)
        if (auto const& r = s.seat(i).current; r && r->kind == declaration_kind::result)
            out.push_back({i, r.get()});
    return out;
}

std::string declared_at(election_state const& s, seat_index i)
{
    auto const& st = s.seat(i);
    for (auto const& r : st.revisions)
        if (revision_order(r.revision, r.kind) == st.current_order)
            return format_rfc3339(r.declared_at.utc, r.declared_at.offset_minutes);
    return {};
}

std::vector<cell> seat_row(election_state const& s, declared_seat const& d)
{
    auto const& ref = *s.reference();
    auto const& c = ref.seat(d.seat);
    auto const& r = *d.result;
    cell swing_cell = std::monostate{};
    std::string swing_text;
    if (r.swing_between_top_two) {
        swing_cell = decimal{r.swing_between_top_two->points, 1};
        swing_text = ref.parties[r.swing_between_top_two->from].code + " to " + ref.parties[r.swing_between_top_two->to].code;
    }
    return {c.ons_code, c.name, c.region, ref.parties[r.winner].code, r.text, static_cast<std::int64_t>(r.majority),
            decimal{r.majority_share, 2}, optional_decimal(r.turnout, 1), swing_cell, swing_text, declared_at(s, d.seat)};
}

std::vector<std::string> const seat_columns = {"ons_code", "name", "region", "winner", "result", "majority",
                                               "majority_share", "turnout", "swing", "swing_between", "declared_at"};

} // namespace

table seats_table(election_state const& s)
{
    table t{seat_columns, {}};
    for (auto const& d : declared(s))
        t.row(seat_row(s, d));
    return t;
}

table gains_table(election_state const& s, std::string const& party, std::string const& region)
{
    auto const& ref = *s.reference();
    std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> counts; // (party, region)
    for (auto const& d : declared(s)) {
        auto const& r = *d.result;
        if (!r.gain)
            continue;
        auto const& reg = ref.seat(d.seat).region;
        if (!region.empty() && reg != region)
            continue;
        counts[{ref.parties[r.winner].code, reg}].first += 1;
        counts[{ref.parties[*r.previous_winner].code, reg}].second += 1;
    }
    table t{{"party", "region", "gains", "losses", "net"}, {}};
    for (auto const& [key, gl] : counts) {
        if (!party.empty() && key.first != party)
            continue;
        t.row({key.first, key.second, gl.first, gl.second, gl.first - gl.second});
    }
    return t;
}

table closest_table(election_state const& s, std::size_t n)
{
    auto seats = declared(s);
    std::stable_sort(seats.begin(), seats.end(),
                     [](auto const& a, auto const& b) { return a.result->majority_share < b.result->majority_share; });
    table t{seat_columns, {}};
    for (std::size_t i = 0; i < seats.size() && i < n; ++i)
        t.row(seat_row(s, seats[i]));
    return t;
}

table swings_table(election_state const& s, std::size_t n)
{
    auto seats = declared(s);
    std::erase_if(seats, [](auto const& d) { return !d.result->swing_between_top_two; });
    std::stable_sort(seats.begin(), seats.end(), [](auto const& a, auto const& b) {
        return a.result->swing_between_top_two->points > b.result->swing_between_top_two->points;
    });
    table t{seat_columns, {}};
    for (std::size_t i = 0; i < seats.size() && i < n; ++i)
        t.row(seat_row(s, seats[i]));
    return t;
}

table turnout_table(election_state const& s, std::size_t n, bool highest)
{
    auto seats = declared(s);
    std::erase_if(seats, [](auto const& d) { return !d.result->turnout; });
    std::stable_sort(seats.begin(), seats.end(), [&](auto const& a, auto const& b) {
        return highest ? *a.result->turnout > *b.result->turnout : *a.result->turnout < *b.result->turnout;
    });
    table t{seat_columns, {}};
    for (std::size_t i = 0; i < seats.size() && i < n; ++i)
        t.row(seat_row(s, seats[i]));
    return t;
}

table regions_table(election_state const& s)
{
    auto const& ref = *s.reference();
    struct region_sum {
        std::int64_t seats = 0, declared = 0, valid = 0, ballots = 0, electorate = 0;
        std::map<std::string, std::int64_t> won;
    };
    std::map<std::string, region_sum> regions;
    for (seat_index i = 0; i < ref.seat_count(); ++i)
        regions[ref.seat(i).region].seats += 1;
    for (auto const& d : declared(s)) {
        auto& reg = regions[ref.seat(d.seat).region];
        auto const& r = *d.result;
        reg.declared += 1;
        reg.valid += r.valid_votes;
        if (r.electorate > 0) {
            reg.ballots += r.valid_votes + r.invalid_votes.value_or(0);
            reg.electorate += r.electorate;
        }
        reg.won[ref.parties[r.winner].code] += 1;
    }
    table t{{"region", "seats", "declared", "won", "valid_votes", "turnout"}, {}};
    for (auto const& [name, reg] : regions) {
        std::vector<std::pair<std::int64_t, std::string>> by_seats;
        for (auto const& [p, n] : reg.won)
            by_seats.emplace_back(-n, p);
        std::sort(by_seats.begin(), by_seats.end());
        std::string won;
        for (auto const& [n, p] : by_seats)
            won += (won.empty() ? "" : ", ") + p + " " + std::to_string(-n);
        t.row({name, reg.seats, reg.declared, won, reg.valid,
               reg.electorate > 0 ? cell(decimal{100.0 * static_cast<double>(reg.ballots) / static_cast<double>(reg.electorate), 1})
                                  : cell(std::monostate{})});
    }
    return t;
}

} // namespace electd::core
