#pragma once
// An immutable picture of the election after one commit, with its JSON already written, so
// that readers never wait for the tracker and never serialise the same thing twice.
// Thread-safe: built by the tracker, then only read.
#include "core/analyst.hpp"
#include "core/election_state.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace electd::daemon {

using shared_text = std::shared_ptr<std::string const>;

/// A model as it stood at this snapshot: its forecasts and its scoreboard.
struct model_entry {
    std::shared_ptr<core::model const> model;
    core::model_score score;
};

/// One seat as readers see it.
struct seat_view {
    core::seat_index seat = 0;
    std::string status;            // awaiting | declared | revised
    int revision = 0;              // current revision, 0 while awaiting
    shared_text list_entry_json;   // its object in GET /v1/constituencies
    shared_text detail_json;       // GET /v1/constituencies/{ons_code}
    std::shared_ptr<core::seat_result const> result;
};

class snapshot {
public:
    snapshot(std::shared_ptr<core::reference_data const> ref, std::vector<std::shared_ptr<seat_view const>> seats,
             core::totals totals, std::int64_t last_seq, std::int64_t last_alert_seq,
             std::vector<model_entry> models);

    std::shared_ptr<core::reference_data const> const& reference() const { return ref_; }
    std::int64_t last_seq() const { return last_seq_; }             // declarations
    std::int64_t last_alert_seq() const { return last_alert_seq_; } // alerts
    core::totals const& totals() const { return totals_; }
    std::vector<std::shared_ptr<seat_view const>> const& seats() const { return seats_; }

    shared_text const& totals_json() const { return totals_json_; }
    std::vector<model_entry> const& models() const { return models_; }
    /// Each model's summary (scoreboard and projected seats), the exit poll first; worked out
    /// on first use, since most snapshots are replaced before anyone asks.
    std::vector<std::pair<std::string, shared_text>> const& model_summaries() const;
    shared_text model_json(std::string_view name) const;
    /// GET /v1/constituencies, built on first use (most snapshots are never asked for it).
    shared_text constituencies_json() const;

private:
    std::shared_ptr<core::reference_data const> ref_;
    std::vector<std::shared_ptr<seat_view const>> seats_;
    core::totals totals_;
    std::int64_t last_seq_;
    std::int64_t last_alert_seq_;
    std::vector<model_entry> models_;
    shared_text totals_json_;
    mutable std::once_flag models_once_;
    mutable std::vector<std::pair<std::string, shared_text>> model_json_;
    mutable std::once_flag list_once_;
    mutable shared_text list_json_;
};

/// Builds the reader's view of one seat from the tracker's state.
std::shared_ptr<seat_view const> make_seat_view(core::election_state const& state, core::seat_index i,
                                                core::analyst const& analyst);

} // namespace electd::daemon
