#pragma once
// The live election: every seat's stored revisions, its current result and the running totals.
// Owned by one thread (the tracker); readers get immutable copies of what they need.
#include "core/result.hpp"
#include "core/totals.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace electd::core {

struct revision_record {
    int revision = 0;
    std::int64_t seq = 0; // the declaration's global ingest sequence number
    declaration_kind kind = declaration_kind::result;
    zoned_time declared_at;
    timestamp received_at;
    std::string canonical;
    party_id winner = 0;
    std::int64_t valid_votes = 0;
};

/// Revisions are ordered by number, and at the same number a full result comes after the
/// rush that announced it (PA sends rush 1 and result 1 for the same count).
inline int revision_order(int revision, declaration_kind kind)
{
    return revision * 2 + (kind == declaration_kind::result ? 1 : 0);
}

struct seat_state {
    std::vector<revision_record> revisions; // in revision order, late arrivals included
    std::shared_ptr<seat_result const> current;
    int current_revision = 0;
    int current_order = 0; // revision_order of the current one, 0 while awaiting
    bool recount = false;  // a recount was announced after the current result
};

enum class verdict {
    accepted,  // new and current: it becomes the seat's result
    duplicate, // the same revision with the same figures is already stored
    conflict,  // the same revision is stored with different figures
    stale,     // older than the stored current revision
};

class election_state {
public:
    explicit election_state(std::shared_ptr<reference_data const> ref);

    std::shared_ptr<reference_data const> const& reference() const { return ref_; }

    /// What storing this declaration would mean. `existing` is set for duplicate and conflict.
    verdict classify(declaration const& d, std::string const& canonical,
                     revision_record const** existing = nullptr) const;

    /// Makes `d` the seat's current result (classify must have said accepted).
    std::shared_ptr<seat_result const> apply(declaration const& d, std::string canonical, std::int64_t seq,
                                             timestamp received_at);
    /// Keeps a stale revision in the seat's history without changing anything current: a feed's
    /// older revision that arrived late.
    void record_late(declaration const& d, std::string canonical, std::int64_t seq, timestamp received_at);

    /// Registers a party a feed named that the reference data does not know. Returns its id.
    party_id register_party(std::string const& label, std::string const& name = {});
    /// Registers a seat a feed named (an election run without reference data). Returns its index.
    seat_index register_constituency(constituency c, baseline b);
    /// An election without reference data learns how many seats there are from the feed.
    void expect_seats(int n);

    void set_recount(seat_index i, bool on);
    /// The seats to watch, as re-read on a reload.
    void set_watchlist(std::vector<watch_entry> w);

    seat_state const& seat(seat_index i) const { return seats_[i]; }
    std::size_t seat_count() const { return seats_.size(); }
    totals current_totals() const;
    std::int64_t last_seq() const { return last_seq_; }
    void set_last_seq(std::int64_t seq) { last_seq_ = seq; }

    /// Batches: changes made between begin_batch and rollback_batch are undone exactly, so a
    /// failed commit leaves memory as it was. commit_batch forgets the undo information.
    void begin_batch();
    void commit_batch();
    void rollback_batch();

    /// Recomputes the totals from scratch (used by tests to check the incremental figures).
    totals_accumulator recompute_totals() const;
    totals_accumulator const& accumulator() const { return totals_; }

private:
    void copy_reference_for_change();

    std::shared_ptr<reference_data const> ref_;
    std::vector<seat_state> seats_;
    totals_accumulator totals_;
    std::int64_t last_seq_ = 0;

    // What changed, to be reversed newest first. Cheaper than copying a seat's whole history.
    struct change {
        enum class kind { revision, recount } what;
        seat_index seat;
        int order = 0;                               // the revision record inserted
        bool was_current = false;                    // it replaced the current result
        std::shared_ptr<seat_result const> previous; // which was this
        int previous_revision = 0, previous_order = 0;
        bool previous_recount = false;
    };
    struct undo {
        std::vector<change> changes;
        totals_accumulator totals;
        std::shared_ptr<reference_data const> ref; // set when the reference was copied
        std::int64_t last_seq = 0;
        std::size_t seat_count = 0;
    };
    std::optional<undo> undo_;
};

} // namespace electd::core
