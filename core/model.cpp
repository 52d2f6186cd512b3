#include "core/model.hpp"

#include <algorithm>

namespace electd::core {

char const* to_string(model_kind k)
{
    switch (k) {
    case model_kind::shares: return "shares";
    case model_kind::probabilities: return "probabilities";
    case model_kind::pick: return "pick";
    }
    return "shares";
}

std::optional<model_kind> model_kind_from(std::string_view s)
{
    if (s == "shares")
        return model_kind::shares;
    if (s == "probabilities")
        return model_kind::probabilities;
    if (s == "pick")
        return model_kind::pick;
    return std::nullopt;
}

double seat_forecast::value_of(party_id p) const
{
    for (auto const& v : values)
        if (v.party == p)
            return v.value;
    return 0;
}

std::size_t model::covered() const
{
    return static_cast<std::size_t>(std::count_if(seats.begin(), seats.end(), [](auto const& s) { return s.has_value(); }));
}

party_id model::as_modelled(party_id actual, std::optional<party_id> lump) const
{
    if (parties.empty() || std::find(parties.begin(), parties.end(), actual) != parties.end())
        return actual;
    if (lump && std::find(parties.begin(), parties.end(), *lump) != parties.end())
        return *lump;
    return actual;
}

void model::settle_favourites()
{
    if (kind == model_kind::pick)
        return;
    for (auto& s : seats) {
        if (!s || s->values.empty())
            continue;
        auto best = std::max_element(s->values.begin(), s->values.end(),
                                     [](party_value const& a, party_value const& b) { return a.value < b.value; });
        s->favourite = best->party;
    }
}

std::vector<double> expected_seats(model const& m, std::size_t party_count, std::vector<bool> const& include)
{
    std::vector<double> out(party_count, 0.0);
    for (std::size_t i = 0; i < m.seats.size(); ++i) {
        if (!m.seats[i] || !include[i])
            continue;
        auto const& s = *m.seats[i];
        if (m.kind == model_kind::probabilities) {
            double total = 0;
            for (auto const& v : s.values)
                total += v.value;
            for (auto const& v : s.values)
                if (total > 0 && v.party < party_count)
                    out[v.party] += v.value / total; // rows that do not sum to 1 are rescaled
        } else if (s.favourite < party_count) {
            out[s.favourite] += 1;
        }
    }
    return out;
}

std::vector<double> national_baseline_shares(reference_data const& ref)
{
    std::vector<double> votes(ref.parties.size(), 0.0);
    double total = 0;
    for (seat_index i = 0; i < ref.seat_count(); ++i) {
        for (auto const& v : ref.baseline_of(i).votes()) {
            votes[v.party] += static_cast<double>(v.votes);
            total += static_cast<double>(v.votes);
        }
    }
    for (auto& v : votes)
        v = total > 0 ? 100.0 * v / total : 0.0;
    return votes;
}

model uniform_swing(reference_data const& ref, std::string name, std::string title,
                    std::vector<std::pair<party_id, double>> const& national_change)
{
    model m;
    m.name = std::move(name);
    m.title = std::move(title);
    m.kind = model_kind::shares;
    m.seats.resize(ref.seat_count());
    for (seat_index i = 0; i < ref.seat_count(); ++i) {
        auto const& b = ref.baseline_of(i);
        if (b.empty())
            continue;
        seat_forecast f;
        for (auto const& v : b.votes())
            f.values.push_back({v.party, b.share(v.party)});
        for (auto const& pc : national_change) {
            auto it = std::find_if(f.values.begin(), f.values.end(), [&](party_value const& v) { return v.party == pc.first; });
            if (it == f.values.end())
                f.values.push_back({pc.first, pc.second});
            else
                it->value += pc.second;
        }
        double total = 0;
        for (auto& v : f.values) {
            v.value = std::max(0.0, v.value);
            total += v.value;
        }
        for (auto& v : f.values)
            v.value = total > 0 ? 100.0 * v.value / total : 0.0;
        std::erase_if(f.values, [](party_value const& v) { return v.value <= 0; });
        if (f.values.empty())
            continue;
        for (auto const& v : f.values)
            if (std::find(m.parties.begin(), m.parties.end(), v.party) == m.parties.end())
                m.parties.push_back(v.party);
        m.seats[i] = std::move(f);
    }
    m.settle_favourites();
    return m;
}

} // namespace electd::core
