#include "core/seat_facts.hpp"

#include <algorithm>

namespace electd::core {

seat_facts::seat_facts(std::shared_ptr<reference_data const> reference)
    : ref_(std::move(reference)), targets_(ref_->parties.size()), rank_(ref_->parties.size())
{
    auto const& ref = *ref_;
    for (seat_index i = 0; i < ref.seat_count(); ++i) {
        auto const& b = ref.baseline_of(i);
        if (b.empty() || !b.winner())
            continue;
        for (auto const& v : b.votes()) {
            if (v.party == *b.winner() || (ref.others_lump && v.party == *ref.others_lump))
                continue;
            targets_[v.party].push_back({i, (b.share(*b.winner()) - b.share(v.party)) / 2.0, 0});
        }
    }
    for (party_id p = 0; p < targets_.size(); ++p) {
        auto& list = targets_[p];
        std::sort(list.begin(), list.end(), [&](target_entry const& a, target_entry const& b) {
            if (a.swing_needed != b.swing_needed)
                return a.swing_needed < b.swing_needed;
            auto ma = ref.baseline_of(a.seat).majority(), mb = ref.baseline_of(b.seat).majority();
            if (ma != mb)
                return ma < mb;
            return ref.seat(a.seat).ons_code < ref.seat(b.seat).ons_code;
        });
        if (list.empty())
            continue;
        rank_[p].assign(ref.seat_count(), 0);
        for (std::size_t r = 0; r < list.size(); ++r) {
            list[r].rank = static_cast<int>(r + 1);
            rank_[p][list[r].seat] = list[r].rank;
        }
    }
}

std::optional<double> seat_facts::swing_needed(seat_index i, party_id p) const
{
    if (i >= ref_->seat_count()) // a seat learnt from a feed after these facts were worked out
        return std::nullopt;
    auto const& b = ref_->baseline_of(i);
    if (b.empty() || !b.winner() || *b.winner() == p)
        return std::nullopt;
    return (b.share(*b.winner()) - b.share(p)) / 2.0;
}

std::optional<int> seat_facts::target_rank(seat_index i, party_id p) const
{
    if (p >= rank_.size() || i >= rank_[p].size() || rank_[p][i] == 0)
        return std::nullopt;
    return rank_[p][i];
}

std::vector<target_entry> const& seat_facts::targets(party_id p) const
{
    static std::vector<target_entry> const none;
    return p < targets_.size() ? targets_[p] : none;
}

} // namespace electd::core
