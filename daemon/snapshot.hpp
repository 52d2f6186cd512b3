#pragma once
// An immutable picture of the election after one commit. Its JSON is written once, on first
// use, and then served as shared bytes, so readers never wait for the tracker and never
// serialise the same thing twice. Thread-safe: built by the tracker, then only read.
#include "core/analyst.hpp"
#include "core/election_state.hpp"

#include <functional>
#include <map>
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

/// One seat as readers see it, frozen at the commit that last changed it.
class seat_view {
public:
    seat_view(core::election_state const& state, core::seat_index i, core::analyst const& analyst);

    core::seat_index seat() const { return seat_; }
    std::string const& status() const { return status_; } // awaiting | declared | revised
    int revision() const { return revision_; }           // current revision, 0 while awaiting
    std::shared_ptr<core::seat_result const> const& result() const { return result_; }
    shared_text const& list_entry_json() const { return entry_json_; } // its object in GET /v1/constituencies
    std::vector<core::revision_record> const& revisions() const { return revisions_; }
    shared_text const& detail_json() const;                            // GET /v1/constituencies/{ons_code}

private:
    core::seat_index seat_;
    std::string status_;
    int revision_ = 0;
    std::shared_ptr<core::reference_data const> ref_;
    std::shared_ptr<core::seat_facts const> facts_;
    std::shared_ptr<core::seat_result const> result_;
    std::shared_ptr<core::declaration_analysis const> analysis_;
    std::vector<core::revision_record> revisions_;
    shared_text entry_json_;
    mutable std::once_flag detail_once_;
    mutable shared_text detail_json_;
};

class snapshot {
public:
    snapshot(std::shared_ptr<core::reference_data const> ref, std::vector<std::shared_ptr<seat_view const>> seats,
             core::totals totals, std::int64_t last_seq, std::int64_t last_alert_seq,
             std::vector<model_entry> models, std::int64_t model_loads = 0);

    std::shared_ptr<core::reference_data const> const& reference() const { return ref_; }
    std::int64_t last_seq() const { return last_seq_; }             // declarations
    std::int64_t last_alert_seq() const { return last_alert_seq_; } // alerts
    /// The state's sequence number: it grows with every stored declaration, alert and model
    /// load, survives restarts, and is what ETags and long-polls compare.
    std::int64_t state_seq() const { return last_seq_ + last_alert_seq_ + model_loads_; }
    std::string etag() const { return "\"" + std::to_string(state_seq()) + "\""; }
    core::totals const& totals() const { return totals_; }
    std::vector<std::shared_ptr<seat_view const>> const& seats() const { return seats_; }
    std::vector<model_entry> const& models() const { return models_; }

    shared_text const& totals_json() const;        // GET /v1/totals: {"seq", "election", "totals"}
    shared_text const& totals_object_json() const; // the "totals" object alone
    shared_text const& constituencies_json() const;
    /// Each model's summary (scoreboard and projected seats), the exit poll first.
    std::vector<std::pair<std::string, shared_text>> const& model_summaries() const;
    shared_text model_json(std::string_view name) const;

    /// Any other rendering of this snapshot, built once on first use and kept with it
    /// (graphics shapes, CSV).
    shared_text cached(std::string const& key, std::function<std::string()> const& build) const;

private:
    std::shared_ptr<core::reference_data const> ref_;
    std::vector<std::shared_ptr<seat_view const>> seats_;
    core::totals totals_;
    std::int64_t last_seq_;
    std::int64_t last_alert_seq_;
    std::int64_t model_loads_;
    std::vector<model_entry> models_;
    mutable std::once_flag totals_once_, list_once_, models_once_;
    mutable shared_text totals_json_, totals_object_json_, list_json_;
    mutable std::vector<std::pair<std::string, shared_text>> model_json_;
    mutable std::mutex cache_mutex_;
    mutable std::map<std::string, shared_text> cache_;
};

} // namespace electd::daemon
