#pragma once
// Measures every declaration against the exit poll and the projections, keeps the running
// scoreboard and the projected totals, and raises the night's alerts. Pure; owned by the
// tracker thread. Copyable, so a failed batch can be undone by restoring a copy.
#include "core/alert.hpp"
#include "core/election_state.hpp"
#include "core/model.hpp"
#include "core/seat_facts.hpp"

#include <map>
#include <memory>
#include <set>

namespace electd::core {

struct analyst_config {
    int records_after = 20;   // record alerts only once this many seats have declared
    int milestone_every = 100; // a milestone alert every N seats (plus the first and last)
};

/// How one model did in one declared seat.
struct model_call {
    std::string model;
    party_id pick = 0;                   // the model's favourite, as the model names parties
    bool hit = false;                    // the favourite won
    std::optional<double> winner_value;  // probability (0..1) or share (%) the model gave the winner
    std::vector<party_value> errors;     // share models: predicted minus actual share, by party
    std::optional<double> mean_abs_error;
};

struct record_ranks {
    int declared = 0;
    int closest_majority = 0; // 1 = the smallest majority (as % of the vote) declared so far
    std::optional<int> biggest_swing;
    std::optional<int> highest_turnout;
    std::optional<int> lowest_turnout;
};

struct declaration_analysis {
    std::optional<party_id> exit_poll_favourite;
    std::optional<double> exit_poll_winner_probability;
    std::vector<model_call> models; // the exit poll first, when loaded
    std::optional<int> target_rank;  // for a gain: where the seat sat on the winner's target list
    std::optional<double> swing_needed;
    record_ranks records;
};

struct model_score {
    int called = 0; // declared seats the model covers
    int right = 0;
    double abs_error_sum = 0;
    int abs_error_count = 0;
    std::optional<double> mean_abs_error() const
    {
        return abs_error_count ? std::optional<double>(abs_error_sum / abs_error_count) : std::nullopt;
    }
};

struct projected_party {
    party_id party = 0;
    int declared = 0;          // seats won so far
    double undeclared = 0;     // expected seats among those still to declare
    double projected = 0;      // declared + undeclared
    double corrected = 0;      // with undeclared seats corrected by the errors seen so far
    std::optional<int> national; // the model's own headline figure, if it has one
};

/// Projected final seats by a model (see analyst::projection); `current[i]` is seat i's
/// result, or null while it awaits.
std::vector<projected_party> project(reference_data const& ref, std::vector<seat_result const*> const& current,
                                     model const& m);

class analyst {
public:
    explicit analyst(std::shared_ptr<reference_data const> ref, analyst_config cfg = {});

    /// Follows a new reference after a party is registered (baselines do not change).
    void set_reference(std::shared_ptr<reference_data const> ref);

    /// Adds or replaces a model (by name) and rescores the seats already declared.
    void put_model(std::shared_ptr<model const> m, election_state const& state);
    std::vector<std::shared_ptr<model const>> const& models() const { return models_; }
    std::shared_ptr<model const> find_model(std::string_view name) const;
    std::shared_ptr<model const> exit_poll() const { return find_model("exit_poll"); }
    model_score const& score(std::string_view name) const;

    /// Called after `state` applied a new current result for `seat` (previous is the result
    /// it replaced, or null for the first). Appends the alerts it raises, in order and numbered,
    /// to `out`; the caller stores them with the declaration.
    declaration_analysis on_result(election_state const& state, seat_index seat, seat_result const* previous,
                                   zoned_time at, std::int64_t declaration_seq, std::vector<alert>& out);

    /// A recount announced for a seat.
    void on_recount(election_state const& state, seat_index seat, zoned_time at, std::vector<alert>& out);
    /// A feed's own state of the parties disagrees with electd's count.
    /// A polled feed brought nothing new for `quiet_seconds` (stalled), or flows again.
    void on_feed_stall(std::string const& feed, std::string const& url, std::int64_t quiet_seconds, bool stalled,
                       zoned_time at, std::vector<alert>& out);
    void on_state_of_parties_mismatch(int results, std::vector<std::string> const& differences, zoned_time at,
                                      std::vector<alert>& out);

    /// Alerts for a model being loaded (the exit poll at 22:00 is news in itself).
    void on_model_loaded(model const& m, zoned_time at, std::vector<alert>& out);

    /// Remembers what stored alerts already said (once-only alerts, the gain/hold to retract)
    /// and continues their sequence.
    void note_alert(alert const& a);
    std::int64_t last_alert_seq() const { return last_alert_seq_; }

    /// Projected final seats by a model: the declared seats plus the model for the rest. For a
    /// probability model the correction scales each party's chances in undeclared seats by how
    /// it has done so far, (won + 1) / (expected + 1) over declared seats, then renormalises.
    std::vector<projected_party> projection(election_state const& state, model const& m) const;

    seat_facts const& facts() const { return *facts_; }
    std::shared_ptr<seat_facts const> const& shared_facts() const { return facts_; }
    /// The analysis of each seat's current result (null while awaiting).
    std::shared_ptr<declaration_analysis const> analysis_of(seat_index i) const
    {
        return i < per_seat_.size() ? per_seat_[i] : nullptr;
    }

private:
    struct seat_score {
        bool hit = false;
        std::optional<double> abs_error_sum;
        int abs_error_count = 0;
    };
    model_call compare(model const& m, seat_result const& r, seat_index seat) const;
    void rescore(std::size_t model_index, seat_index seat, std::optional<model_call> const& call);
    record_ranks rank(election_state const& state, seat_index seat) const;
    std::string party_name(party_id p) const;

    std::shared_ptr<reference_data const> ref_;
    std::shared_ptr<seat_facts const> facts_;
    analyst_config cfg_;
    std::vector<std::shared_ptr<model const>> models_;
    std::vector<model_score> scores_;                       // by model
    std::vector<std::vector<std::optional<seat_score>>> seat_scores_; // [model][seat]
    std::vector<std::shared_ptr<declaration_analysis const>> per_seat_;

    // Once-only alerts and references for retractions.
    std::set<std::string> first_seat_done_; // party codes
    std::set<std::string> majority_done_;
    std::set<int> milestones_done_;         // declared counts already announced
    std::map<seat_index, std::int64_t> result_alert_; // the seat's live gain/hold alert
    std::map<std::string, seat_index> record_holder_; // record name -> seat
    std::int64_t last_alert_seq_ = 0; // alerts are numbered here, stored in the same transaction
};

} // namespace electd::core
