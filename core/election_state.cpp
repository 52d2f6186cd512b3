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
        if (r.revision == d.revision && r.kind == d.kind) {
            if (existing)
                *existing = &r;
            return r.canonical == canonical ? verdict::duplicate : verdict::conflict;
        }
    }
    return revision_order(d.revision, d.kind) < s.current_order ? verdict::stale : verdict::accepted;
}

namespace {

void insert_in_order(std::vector<revision_record>& revisions, revision_record rec)
{
    auto order = revision_order(rec.revision, rec.kind);
    auto pos = std::upper_bound(revisions.begin(), revisions.end(), order, [](int o, revision_record const& r) {
        return o < revision_order(r.revision, r.kind);
    });
    revisions.insert(pos, std::move(rec));
}

} // namespace

std::shared_ptr<seat_result const> election_state::apply(declaration const& d, std::string canonical,
                                                         std::int64_t seq, timestamp received_at)
{
    auto& s = seats_[d.seat];
    auto order = revision_order(d.revision, d.kind);
    if (undo_)
        undo_->changes.push_back({change::kind::revision, d.seat, order, true, s.current, s.current_revision,
                                  s.current_order, s.recount});
    auto const& base = ref_->baseline_of(d.seat);
    auto result = std::make_shared<seat_result const>(compute_result(d, *ref_));
    if (s.current)
        totals_.apply(*s.current, base, -1);
    totals_.apply(*result, base, +1);
    insert_in_order(s.revisions, {d.revision, seq, d.kind, d.declared_at, received_at, std::move(canonical),
                                  result->winner, result->valid_votes});
    s.current = result;
    s.current_revision = d.revision;
    s.current_order = order;
    s.recount = false; // a result after a recount announcement is the recount's result
    last_seq_ = std::max(last_seq_, seq);
    return result;
}

void election_state::record_late(declaration const& d, std::string canonical, std::int64_t seq, timestamp received_at)
{
    auto& s = seats_[d.seat];
    auto order = revision_order(d.revision, d.kind);
    if (undo_)
        undo_->changes.push_back({change::kind::revision, d.seat, order, false, nullptr, 0, 0, s.recount});
    auto result = compute_result(d, *ref_);
    insert_in_order(s.revisions, {d.revision, seq, d.kind, d.declared_at, received_at, std::move(canonical),
                                  result.winner, result.valid_votes});
    last_seq_ = std::max(last_seq_, seq);
}

void election_state::copy_reference_for_change()
{
    if (undo_ && !undo_->ref)
        undo_->ref = ref_;
}

party_id election_state::register_party(std::string const& label, std::string const& name)
{
    if (auto id = ref_->parties.find(label))
        return *id;
    copy_reference_for_change();
    auto copy = std::make_shared<reference_data>(*ref_); // rare: a party the reference missed
    auto id = copy->parties.add(party{label, name.empty() ? label : name, "#999999", true});
    ref_ = std::move(copy);
    return id;
}

seat_index election_state::register_constituency(constituency c, baseline b)
{
    copy_reference_for_change();
    auto copy = std::make_shared<reference_data>(*ref_);
    auto i = copy->add_constituency(std::move(c), std::move(b));
    ref_ = std::move(copy);
    seats_.emplace_back();
    return i;
}

void election_state::expect_seats(int n)
{
    if (n <= ref_->info.expected_seats)
        return;
    copy_reference_for_change();
    auto copy = std::make_shared<reference_data>(*ref_);
    copy->info.expected_seats = n;
    ref_ = std::move(copy);
}

void election_state::set_watchlist(std::vector<watch_entry> w)
{
    copy_reference_for_change();
    auto copy = std::make_shared<reference_data>(*ref_);
    copy->set_watchlist(std::move(w));
    ref_ = std::move(copy);
}

void election_state::set_recount(seat_index i, bool on)
{
    if (undo_)
        undo_->changes.push_back({change::kind::recount, i, 0, false, nullptr, 0, 0, seats_[i].recount});
    seats_[i].recount = on;
}

totals election_state::current_totals() const
{
    return totals_.view(*ref_);
}

void election_state::begin_batch()
{
    undo_.emplace(undo{{}, totals_, nullptr, last_seq_, seats_.size()});
}

void election_state::commit_batch()
{
    undo_.reset();
}

void election_state::rollback_batch()
{
    if (!undo_)
        return;
    for (auto it = undo_->changes.rbegin(); it != undo_->changes.rend(); ++it) {
        auto& s = seats_[it->seat];
        s.recount = it->previous_recount;
        if (it->what == change::kind::recount)
            continue;
        std::erase_if(s.revisions, [&](revision_record const& r) { return revision_order(r.revision, r.kind) == it->order; });
        if (it->was_current) {
            s.current = std::move(it->previous);
            s.current_revision = it->previous_revision;
            s.current_order = it->previous_order;
        }
    }
    seats_.resize(undo_->seat_count); // seats registered in the batch go again
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
