#include "core/json_views.hpp"

namespace electd::core {

void write_party_ref(json_writer& w, party_id p, reference_data const& ref)
{
    auto const& party = ref.parties[p];
    w.begin_object().field("code", party.code).field("name", party.name).field("colour", party.colour).end_object();
}

void write_constituency_fields(json_writer& w, constituency const& c)
{
    w.field("ons_code", c.ons_code);
    w.key("pa_number");
    c.pa_number > 0 ? w.value(c.pa_number) : w.null();
    w.field("name", c.name).field("region", c.region).field("nation", c.nation);
    w.key("electorate");
    c.electorate > 0 ? w.value(c.electorate) : w.null();
}

void write_result(json_writer& w, seat_result const& r, reference_data const& ref)
{
    auto code = [&](party_id p) { return std::string_view(ref.parties[p].code); };
    w.begin_object();
    w.field("kind", r.kind == declaration_kind::rush ? "rush" : "result");
    w.field("text", r.text);
    w.field("winner", code(r.winner));
    w.key("runner_up");
    r.runner_up ? w.value(code(*r.runner_up)) : w.null();
    w.field("gain", r.gain);
    w.key("previous_winner");
    r.previous_winner ? w.value(code(*r.previous_winner)) : w.null();
    w.field("majority", r.majority);
    w.field("majority_share", r.majority_share, 2);
    w.field("valid_votes", r.valid_votes);
    w.field("invalid_votes", r.invalid_votes);
    w.key("electorate");
    r.electorate > 0 ? w.value(r.electorate) : w.null();
    w.field("turnout", r.turnout, 2);
    w.key("swing");
    if (r.swing_between_top_two) {
        auto const& s = *r.swing_between_top_two;
        w.begin_object().field("from", code(s.from)).field("to", code(s.to)).field("points", s.points, 2).end_object();
    } else {
        w.null();
    }
    w.key("candidates").begin_array();
    for (auto const& c : r.candidates) {
        w.begin_object().field("name", c.name).field("party", code(c.party)).field("votes", c.votes);
        w.field("share", c.share, 2).field("share_change", c.share_change, 2).end_object();
    }
    w.end_array();
    w.key("parties").begin_array();
    for (auto const& p : r.parties) {
        w.begin_object().field("party", code(p.party)).field("votes", p.votes).field("share", p.share, 2);
        w.field("share_change", p.share_change, 2).end_object();
    }
    w.end_array();
    w.end_object();
}

void write_totals(json_writer& w, totals const& t, reference_data const& ref)
{
    w.begin_object();
    w.field("declared", t.declared).field("total_seats", t.total_seats).field("majority_line", t.majority_line);
    w.field("valid_votes", t.valid_votes);
    w.key("parties").begin_array();
    for (auto const& p : t.parties) {
        auto const& party = ref.parties[p.party];
        w.begin_object().field("party", party.code).field("name", party.name).field("colour", party.colour);
        w.field("seats", p.seats).field("gains", p.gains).field("losses", p.losses).field("net", p.gains - p.losses);
        w.field("votes", p.votes).field("share", p.share, 2).field("share_change", p.share_change, 2);
        w.end_object();
    }
    w.end_array();
    w.end_object();
}

void write_baseline(json_writer& w, baseline const& b, reference_data const& ref)
{
    if (b.empty()) {
        w.null();
        return;
    }
    auto code = [&](party_id p) { return std::string_view(ref.parties[p].code); };
    w.begin_object();
    w.field("name", ref.info.baseline_name);
    w.key("winner");
    b.winner() ? w.value(code(*b.winner())) : w.null();
    w.key("second");
    b.second() ? w.value(code(*b.second())) : w.null();
    w.field("majority", b.majority());
    w.field("majority_share", b.total() > 0 ? 100.0 * static_cast<double>(b.majority()) / static_cast<double>(b.total()) : 0.0, 2);
    w.field("total_votes", b.total());
    w.key("parties").begin_array();
    for (auto const& v : b.votes())
        w.begin_object().field("party", code(v.party)).field("votes", v.votes).field("share", b.share(v.party), 2).end_object();
    w.end_array();
    w.end_object();
}

void write_alert(json_writer& w, alert const& a, reference_data const& ref)
{
    w.begin_object().field("seq", a.seq).field("type", a.type).field("severity", to_string(a.level));
    w.key("constituency");
    a.seat ? w.value(ref.seat(*a.seat).ons_code) : w.null();
    w.key("parties").begin_array();
    for (auto p : a.parties)
        w.value(ref.parties[p].code);
    w.end_array();
    w.field("text", a.text).field("at", format_rfc3339(a.at.utc, a.at.offset_minutes));
    w.key("data").raw(a.data.empty() ? std::string_view("{}") : std::string_view(a.data));
    if (a.declaration_seq)
        w.field("declaration_seq", a.declaration_seq);
    if (a.retracts)
        w.field("retracts", *a.retracts);
    w.end_object();
}

void write_analysis(json_writer& w, declaration_analysis const& a, reference_data const& ref)
{
    auto code = [&](party_id p) { return std::string_view(ref.parties[p].code); };
    w.begin_object();
    w.key("exit_poll").begin_object();
    w.key("favourite");
    a.exit_poll_favourite ? w.value(code(*a.exit_poll_favourite)) : w.null();
    w.field("winner_probability", a.exit_poll_winner_probability, 3);
    w.end_object();
    w.key("models").begin_array();
    for (auto const& m : a.models) {
        w.begin_object().field("model", m.model).field("pick", code(m.pick)).field("hit", m.hit);
        w.field("winner_value", m.winner_value, 3).field("mean_abs_error", m.mean_abs_error, 2);
        w.key("share_errors").begin_object();
        for (auto const& e : m.errors)
            w.field(code(e.party), e.value, 2);
        w.end_object().end_object();
    }
    w.end_array();
    w.key("target").begin_object();
    w.field("rank", a.target_rank).field("swing_needed", a.swing_needed, 2);
    w.end_object();
    w.key("records").begin_object().field("declared", a.records.declared);
    w.field("closest_majority", a.records.closest_majority).field("biggest_swing", a.records.biggest_swing);
    w.field("highest_turnout", a.records.highest_turnout).field("lowest_turnout", a.records.lowest_turnout);
    w.end_object();
    w.end_object();
}

void write_model_summary(json_writer& w, model const& m, model_score const& score,
                         std::vector<projected_party> const& projection, reference_data const& ref)
{
    w.begin_object().field("name", m.name).field("title", m.title).field("kind", to_string(m.kind));
    w.field("headline", m.headline).field("published", m.published).field("source", m.source);
    w.field("seats_covered", m.covered());
    w.key("scoreboard").begin_object().field("called", score.called).field("right", score.right);
    w.field("wrong", score.called - score.right);
    w.key("hit_rate");
    score.called ? w.value(static_cast<double>(score.right) / score.called, 3) : w.null();
    w.field("mean_abs_share_error", score.mean_abs_error(), 2).end_object();
    w.key("projected_seats").begin_array();
    for (auto const& p : projection) {
        auto const& party = ref.parties[p.party];
        w.begin_object().field("party", party.code).field("name", party.name).field("colour", party.colour);
        w.field("declared", p.declared).field("undeclared", p.undeclared, 1).field("projected", p.projected, 1);
        w.field("corrected", p.corrected, 1).field("national", p.national).end_object();
    }
    w.end_array();
    w.end_object();
}

char const* seat_status(seat_state const& s)
{
    if (!s.current)
        return "awaiting";
    return s.revisions.size() > 1 ? "revised" : "declared";
}

} // namespace electd::core
