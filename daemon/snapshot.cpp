#include "daemon/snapshot.hpp"

#include "core/json_views.hpp"

namespace electd::daemon {

snapshot::snapshot(std::shared_ptr<core::reference_data const> ref, std::vector<std::shared_ptr<seat_view const>> seats,
                   core::totals totals, std::int64_t last_seq, std::int64_t last_alert_seq,
                   std::vector<model_entry> models)
    : ref_(std::move(ref)), seats_(std::move(seats)), totals_(std::move(totals)), last_seq_(last_seq),
      last_alert_seq_(last_alert_seq), models_(std::move(models))
{
    std::string out;
    core::json_writer w(out);
    w.begin_object().field("seq", last_seq_).field("alert_seq", last_alert_seq_);
    w.key("election").begin_object().field("name", ref_->info.name).field("date", ref_->info.date).end_object();
    w.key("totals");
    core::write_totals(w, totals_, *ref_);
    w.end_object();
    totals_json_ = std::make_shared<std::string const>(std::move(out));
}

shared_text snapshot::constituencies_json() const
{
    std::call_once(list_once_, [this] {
        std::string out;
        out.reserve(seats_.size() * 200);
        core::json_writer w(out);
        w.begin_object().field("seq", last_seq_).field("count", seats_.size());
        w.field("declared", totals_.declared);
        w.key("constituencies").begin_array();
        for (auto const& s : seats_)
            w.raw(*s->list_entry_json);
        w.end_array().end_object();
        list_json_ = std::make_shared<std::string const>(std::move(out));
    });
    return list_json_;
}

std::vector<std::pair<std::string, shared_text>> const& snapshot::model_summaries() const
{
    std::call_once(models_once_, [this] {
        std::vector<core::seat_result const*> current(seats_.size());
        for (std::size_t i = 0; i < seats_.size(); ++i)
            current[i] = seats_[i]->result.get();
        for (auto const& e : models_) {
            std::string out;
            core::json_writer w(out);
            core::write_model_summary(w, *e.model, e.score, core::project(*ref_, current, *e.model), *ref_);
            model_json_.emplace_back(e.model->name, std::make_shared<std::string const>(std::move(out)));
        }
    });
    return model_json_;
}

shared_text snapshot::model_json(std::string_view name) const
{
    for (auto const& [n, json] : model_summaries())
        if (n == name)
            return json;
    return nullptr;
}

std::shared_ptr<seat_view const> make_seat_view(core::election_state const& state, core::seat_index i,
                                                core::analyst const& analyst)
{
    auto analysis = analyst.analysis_of(i);
    auto const& ref = *state.reference();
    auto const& seat = state.seat(i);
    auto const& c = ref.seat(i);
    auto view = std::make_shared<seat_view>();
    view->seat = i;
    view->status = core::seat_status(seat);
    view->revision = seat.current_revision;
    view->result = seat.current;

    auto watch = std::find_if(ref.watchlist().begin(), ref.watchlist().end(),
                              [&](core::watch_entry const& w) { return w.seat == i; });

    std::string entry;
    {
        core::json_writer w(entry);
        w.begin_object();
        core::write_constituency_fields(w, c);
        w.field("status", view->status);
        w.key("revision");
        seat.current ? w.value(seat.current_revision) : w.null();
        if (seat.current) {
            auto const& r = *seat.current;
            w.field("winner", ref.parties[r.winner].code).field("text", r.text).field("gain", r.gain);
            w.field("majority", r.majority);
            w.field("declared_at", core::format_rfc3339(seat.revisions.back().declared_at.utc,
                                                        seat.revisions.back().declared_at.offset_minutes));
        } else {
            w.key("winner").null().key("text").null().key("gain").null().key("majority").null();
            w.key("declared_at").null();
        }
        w.field("watch", watch != ref.watchlist().end());
        w.end_object();
    }

    std::string detail;
    {
        core::json_writer w(detail);
        w.begin_object();
        w.key("constituency").begin_object();
        core::write_constituency_fields(w, c);
        w.end_object();
        w.field("status", view->status);
        w.key("watch");
        watch != ref.watchlist().end() ? w.begin_object().field("note", watch->note).end_object() : w.null();
        w.key("result");
        if (seat.current)
            core::write_result(w, *seat.current, ref);
        else
            w.null();
        w.key("comparison");
        if (seat.current && analysis)
            core::write_analysis(w, *analysis, ref);
        else
            w.null();
        w.key("baseline");
        core::write_baseline(w, ref.baseline_of(i), ref);
        // What each party needed here, from the baseline: its swing and target-list place.
        w.key("targets").begin_array();
        for (auto const& v : ref.baseline_of(i).votes()) {
            auto rank = analyst.facts().target_rank(i, v.party);
            if (!rank)
                continue;
            w.begin_object().field("party", ref.parties[v.party].code);
            w.field("swing_needed", *analyst.facts().swing_needed(i, v.party), 2).field("rank", *rank).end_object();
        }
        w.end_array();
        auto bellwether = std::find_if(ref.bellwethers().begin(), ref.bellwethers().end(),
                                       [&](core::watch_entry const& b) { return b.seat == i; });
        w.key("bellwether");
        bellwether != ref.bellwethers().end() ? w.begin_object().field("note", bellwether->note).end_object() : w.null();
        w.key("revisions").begin_array();
        for (auto const& r : seat.revisions) {
            w.begin_object().field("revision", r.revision).field("seq", r.seq);
            w.field("kind", r.kind == core::declaration_kind::rush ? "rush" : "result");
            w.field("declared_at", core::format_rfc3339(r.declared_at.utc, r.declared_at.offset_minutes));
            w.field("received_at", core::format_rfc3339(r.received_at));
            w.field("winner", ref.parties[r.winner].code).field("valid_votes", r.valid_votes);
            w.field("current", r.revision == seat.current_revision);
            w.end_object();
        }
        w.end_array();
        w.end_object();
    }
    view->list_entry_json = std::make_shared<std::string const>(std::move(entry));
    view->detail_json = std::make_shared<std::string const>(std::move(detail));
    return view;
}

} // namespace electd::daemon
