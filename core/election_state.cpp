#include "core/election_state.hpp"

#include <algorithm>

namespace electd::core {

election_state::election_state(std::shared_ptr<reference_data const> ref)
    : ref_(std::move(ref)), seats_(ref_->seat_count())
{
}

verdict election_state::classify(declaration const& d, std::string const& canonical,
                                 revision_record const** existing) const
{
    auto const& s = seats_[d.seat];
    for (auto const& r : s.revisions) {
        if (r.revision == d.revision) {
            if (existing)
                *existing = &r;
            return r.canonical == canonical ? verdict::duplicate : verdict::conflict;
        }
    }
    return d.revision < s.current_revision ? verdict::stale : verdict::accepted;
}

std::shared_ptr<seat_result const> election_state::apply(declaration const& d, std::string canonical,
                                                         std::int64_t seq, timestamp received_at)
{
    auto& s = seats_[d.seat];
    if (undo_)
        undo_->applied.push_back({d.seat, d.revision, s.current, s.current_revision});
    auto const& base = ref_->baseline_of(d.seat);
    auto result = std::make_shared<seat_result const>(compute_result(d, *ref_));
    if (s.current)
        totals_.apply(*s.current, base, -1);
    totals_.apply(*result, base, +1);

    revision_record rec{d.revision, seq, d.kind, d.declared_at, received_at, std::move(canonical),
                        result->winner, result->valid_votes};
    auto pos = std::upper_bound(s.revisions.begin(), s.revisions.end(), d.revision,
                                [](int rev, revision_record const& r) { return rev < r.revision; });
    s.revisions.insert(pos, std::move(rec));
    s.current = result;
    s.current_revision = d.revision;
    last_seq_ = std::max(last_seq_, seq);
    return result;
}

party_id election_state::register_party(std::string const& label)
{
    if (auto id = ref_->parties.find(label))
        return *id;
    if (undo_ && !undo_->ref)
        undo_->ref = ref_;
    auto copy = std::make_shared<reference_data>(*ref_); // rare: a party the reference missed
    auto id = copy->parties.add(party{label, label, "#999999", true});
    ref_ = std::move(copy);
    return id;
}

void election_state::begin_batch()
{
    undo_.emplace(undo{{}, totals_, nullptr, last_seq_});
}

void election_state::commit_batch()
{
    undo_.reset();
}

void election_state::rollback_batch()
{
    if (!undo_)
        return;
    for (auto it = undo_->applied.rbegin(); it != undo_->applied.rend(); ++it) {
        auto& s = seats_[it->seat];
        std::erase_if(s.revisions, [&](revision_record const& r) { return r.revision == it->revision; });
        s.current = std::move(it->previous);
        s.current_revision = it->previous_revision;
    }
    totals_ = std::move(undo_->totals);
    if (undo_->ref)
        ref_ = std::move(undo_->ref);
    last_seq_ = undo_->last_seq;
    undo_.reset();
}

totals_accumulator election_state::recompute_totals() const
{
    totals_accumulator t;
    for (seat_index i = 0; i < seats_.size(); ++i)
        if (seats_[i].current)
            t.apply(*seats_[i].current, ref_->baseline_of(i), +1);
    return t;
}

} // namespace electd::core
