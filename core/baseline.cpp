#include "core/baseline.hpp"

#include <algorithm>

namespace electd::core {

baseline baseline::from_votes(std::vector<party_votes> votes, std::optional<party_id> lump)
{
    baseline b;
    std::erase_if(votes, [](party_votes const& v) { return v.votes <= 0; });
    std::stable_sort(votes.begin(), votes.end(),
                     [](party_votes const& a, party_votes const& c) { return a.votes > c.votes; });
    for (auto const& v : votes)
        b.total_ += v.votes;
    std::vector<party_votes const*> ranked;
    for (auto const& v : votes)
        if (!lump || v.party != *lump)
            ranked.push_back(&v);
    if (!ranked.empty())
        b.winner_ = ranked[0]->party;
    if (ranked.size() > 1) {
        b.second_ = ranked[1]->party;
        b.majority_ = ranked[0]->votes - ranked[1]->votes;
    } else if (!ranked.empty()) {
        b.majority_ = ranked[0]->votes;
    }
    b.votes_ = std::move(votes);
    return b;
}

void baseline::set_holder(party_id p)
{
    if (winner_ == p)
        return;
    second_ = winner_;
    winner_ = p;
    majority_ = 0;
    for (auto const& v : votes_)
        if (v.party == p && second_)
            majority_ = v.votes - votes_for(*second_);
}

std::int64_t baseline::votes_for(party_id p) const
{
    for (auto const& v : votes_)
        if (v.party == p)
            return v.votes;
    return 0;
}

double baseline::share(party_id p) const
{
    return total_ > 0 ? 100.0 * static_cast<double>(votes_for(p)) / static_cast<double>(total_) : 0.0;
}

} // namespace electd::core
