#include "daemon/snapshot.hpp"

#include "core/json_views.hpp"

#include <algorithm>

namespace electd::daemon {

namespace {

shared_text freeze(std::string&& s)
{
    return std::make_shared<std::string const>(std::move(s));
}

} // namespace

seat_view::seat_view(core::election_state const& state, core::seat_index i, core::analyst const& analyst)
    : seat_(i), ref_(state.reference()), facts_(analyst.shared_facts()), result_(state.seat(i).current),
      analysis_(analyst.analysis_of(i))
{
    auto const& ref = *ref_;
    auto const& seat = state.seat(i);
    status_ = core::seat_status(seat);
    revision_ = seat.current_revision;
    bool watched = std::any_of(ref.watchlist().begin(), ref.watchlist().end(),
                               [&](core::watch_entry const& w) { return w.seat == i; });
    revisions_.reserve(seat.revisions.size());
    for (auto const& r : seat.revisions) // all but the canonical text, which only the tracker needs
        revisions_.push_back({r.revision, r.seq, r.kind, r.declared_at, r.received_at, {}, r.winner, r.valid_votes});

    std::string entry;
    core::json_writer w(entry);
    w.begin_object();
    core::write_constituency_fields(w, ref.seat(i));
    w.field("status", status_);
    w.key("revision");
    result_ ? w.value(revision_) : w.null();
    if (result_) {
        auto const& current = *std::find_if(revisions_.begin(), revisions_.end(),
                                            [&](core::revision_record const& r) { return r.revision == revision_; });
        w.field("winner", ref.parties[result_->winner].code).field("text", result_->text).field("gain", result_->gain);
        w.field("majority", result_->majority);
        w.field("declared_at", core::format_rfc3339(current.declared_at.utc, current.declared_at.offset_minutes));
    } else {
        w.key("winner").null().key("text").null().key("gain").null().key("majority").null();
        w.key("declared_at").null();
    }
    w.field("watch", watched);
    w.end_object();
    entry_json_ = freeze(std::move(entry));
}

shared_text const& seat_view::detail_json() const
{
    std::call_once(detail_once_, [this] {
        auto const& ref = *ref_;
        auto i = seat_;
        std::string detail;
        core::json_writer w(detail);
        w.begin_object();
        w.key("constituency").begin_object();
        core::write_constituency_fields(w, ref.seat(i));
        w.end_object();
        w.field("status", status_);
        auto watch = std::find_if(ref.watchlist().begin(), ref.watchlist().end(),
                                  [&](core::watch_entry const& e) { return e.seat == i; });
        w.key("watch");
        watch != ref.watchlist().end() ? w.begin_object().field("note", watch->note).end_object() : w.null();
        auto bellwether = std::find_if(ref.bellwethers().begin(), ref.bellwethers().end(),
                                       [&](core::watch_entry const& b) { return b.seat == i; });
        w.key("bellwether");
        bellwether != ref.bellwethers().end() ? w.begin_object().field("note", bellwether->note).end_object() : w.null();
        w.key("result");
        result_ ? core::write_result(w, *result_, ref) : void(w.null());
        w.key("comparison");
        result_ && analysis_ ? core::write_analysis(w, *analysis_, ref) : void(w.null());
        w.key("baseline");
        core::write_baseline(w, ref.baseline_of(i), ref);
        // What each party needed here, from the baseline: its swing and target-list place.
        w.key("targets").begin_array();
        for (auto const& v : ref.baseline_of(i).votes()) {
            auto rank = facts_->target_rank(i, v.party);
            if (!rank)
                continue;
            w.begin_object().field("party", ref.parties[v.party].code);
            w.field("swing_needed", *facts_->swing_needed(i, v.party), 2).field("rank", *rank).end_object();
        }
        w.end_array();
        w.key("revisions").begin_array();
        for (auto const& r : revisions_) {
            w.begin_object().field("revision", r.revision).field("seq", r.seq);
            w.field("kind", r.kind == core::declaration_kind::rush ? "rush" : "result");
            w.field("declared_at", core::format_rfc3339(r.declared_at.utc, r.declared_at.offset_minutes));
            w.field("received_at", core::format_rfc3339(r.received_at));
            w.field("winner", ref.parties[r.winner].code).field("valid_votes", r.valid_votes);
            w.field("current", r.revision == revision_);
            w.end_object();
        }
        w.end_array();
        w.end_object();
        detail_json_ = freeze(std::move(detail));
    });
    return detail_json_;
}

snapshot::snapshot(std::shared_ptr<core::reference_data const> ref, std::vector<std::shared_ptr<seat_view const>> seats,
                   core::totals totals, std::int64_t last_seq, std::int64_t last_alert_seq,
                   std::vector<model_entry> models, std::int64_t model_loads)
    : ref_(std::move(ref)), seats_(std::move(seats)), totals_(std::move(totals)), last_seq_(last_seq),
      last_alert_seq_(last_alert_seq), model_loads_(model_loads), models_(std::move(models))
{
}

shared_text const& snapshot::totals_json() const
{
    std::call_once(totals_once_, [this] {
        std::string totals;
        core::json_writer t(totals);
        core::write_totals(t, totals_, *ref_);
        std::string out;
        core::json_writer w(out);
        w.begin_object().field("seq", last_seq_).field("alert_seq", last_alert_seq_);
        w.key("election").begin_object().field("name", ref_->info.name).field("date", ref_->info.date).end_object();
        w.key("totals").raw(totals);
        w.end_object();
        totals_object_json_ = freeze(std::move(totals));
        totals_json_ = freeze(std::move(out));
    });
    return totals_json_;
}

shared_text const& snapshot::totals_object_json() const
{
    totals_json();
    return totals_object_json_;
}

shared_text const& snapshot::constituencies_json() const
{
    std::call_once(list_once_, [this] {
        std::string out;
        out.reserve(seats_.size() * 240);
        core::json_writer w(out);
        w.begin_object().field("seq", last_seq_).field("count", seats_.size());
        w.field("declared", totals_.declared);
        w.key("constituencies").begin_array();
        for (auto const& s : seats_)
            w.raw(*s->list_entry_json());
        w.end_array().end_object();
        list_json_ = freeze(std::move(out));
    });
    return list_json_;
}

std::vector<std::pair<std::string, shared_text>> const& snapshot::model_summaries() const
{
    std::call_once(models_once_, [this] {
        std::vector<core::seat_result const*> current(seats_.size());
        for (std::size_t i = 0; i < seats_.size(); ++i)
            current[i] = seats_[i]->result().get();
        for (auto const& e : models_) {
            std::string out;
            core::json_writer w(out);
            core::write_model_summary(w, *e.model, e.score, core::project(*ref_, current, *e.model), *ref_);
            model_json_.emplace_back(e.model->name, freeze(std::move(out)));
        }
    });
    return model_json_;
}

shared_text snapshot::cached(std::string const& key, std::function<std::string()> const& build) const
{
    {
        std::lock_guard lock(cache_mutex_);
        if (auto it = cache_.find(key); it != cache_.end())
            return it->second;
    }
    auto text = freeze(build()); // two readers may both build it once; either copy is right
    std::lock_guard lock(cache_mutex_);
    return cache_.emplace(key, std::move(text)).first->second;
}

shared_text snapshot::model_json(std::string_view name) const
{
    for (auto const& [n, json] : model_summaries())
        if (n == name)
            return json;
    return nullptr;
}

} // namespace electd::daemon
