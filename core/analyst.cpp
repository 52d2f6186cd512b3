#include "core/analyst.hpp"

#include "core/json_writer.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cmath>

namespace electd::core {

namespace {

std::string percent(double v, int decimals = 1)
{
    return format_decimal(v, decimals) + "%";
}

std::string fold(std::string_view s)
{
    return party_table::fold(s);
}

} // namespace

analyst::analyst(std::shared_ptr<reference_data const> ref, analyst_config cfg)
    : ref_(std::move(ref)), facts_(std::make_shared<seat_facts const>(ref_)), cfg_(cfg), per_seat_(ref_->seat_count())
{
}

void analyst::set_reference(std::shared_ptr<reference_data const> ref)
{
    ref_ = std::move(ref);
}

std::string analyst::party_name(party_id p) const
{
    return ref_->parties[p].name;
}

std::shared_ptr<model const> analyst::find_model(std::string_view name) const
{
    for (auto const& m : models_)
        if (m->name == name)
            return m;
    return nullptr;
}

model_score const& analyst::score(std::string_view name) const
{
    static model_score const none;
    for (std::size_t i = 0; i < models_.size(); ++i)
        if (models_[i]->name == name)
            return scores_[i];
    return none;
}

void analyst::put_model(std::shared_ptr<model const> m, election_state const& state)
{
    auto it = std::find_if(models_.begin(), models_.end(), [&](auto const& x) { return x->name == m->name; });
    std::size_t i;
    if (it != models_.end()) {
        i = static_cast<std::size_t>(it - models_.begin());
        *it = std::move(m);
    } else if (m->name == "exit_poll") { // the exit poll leads every comparison
        models_.insert(models_.begin(), std::move(m));
        scores_.insert(scores_.begin(), model_score{});
        seat_scores_.emplace(seat_scores_.begin());
        i = 0;
    } else {
        models_.push_back(std::move(m));
        scores_.emplace_back();
        seat_scores_.emplace_back();
        i = models_.size() - 1;
    }
    scores_[i] = {};
    seat_scores_[i].assign(ref_->seat_count(), std::nullopt);
    auto const& model = *models_[i];
    for (seat_index s = 0; s < state.seat_count() && s < model.seats.size(); ++s) {
        auto const& current = state.seat(s).current;
        if (current && model.seats[s])
            rescore(i, s, compare(model, *current, s));
    }
}

model_call analyst::compare(model const& m, seat_result const& r, seat_index seat) const
{
    auto const& f = *m.seats[seat];
    model_call call;
    call.model = m.name;
    call.pick = f.favourite;
    auto winner = m.as_modelled(r.winner, ref_->others_lump);
    call.hit = f.favourite == winner;
    if (m.kind == model_kind::probabilities) {
        double total = 0;
        for (auto const& v : f.values)
            total += v.value;
        if (total > 0)
            call.winner_value = f.value_of(winner) / total;
    } else if (m.kind == model_kind::shares && r.valid_votes > 0) {
        call.winner_value = f.value_of(winner);
        std::vector<party_value> actual;
        for (auto const& p : r.parties) {
            auto mp = m.as_modelled(p.party, ref_->others_lump);
            auto at = std::find_if(actual.begin(), actual.end(), [&](party_value const& v) { return v.party == mp; });
            if (at == actual.end())
                actual.push_back({mp, p.share});
            else
                at->value += p.share;
        }
        double sum = 0;
        for (auto p : m.parties) {
            auto at = std::find_if(actual.begin(), actual.end(), [&](party_value const& v) { return v.party == p; });
            double error = f.value_of(p) - (at == actual.end() ? 0.0 : at->value);
            call.errors.push_back({p, error});
            sum += std::abs(error);
        }
        if (!call.errors.empty())
            call.mean_abs_error = sum / static_cast<double>(call.errors.size());
    }
    return call;
}

void analyst::rescore(std::size_t mi, seat_index seat, std::optional<model_call> const& call)
{
    auto& score = scores_[mi];
    if (seat >= seat_scores_[mi].size())
        seat_scores_[mi].resize(seat + 1);
    auto& slot = seat_scores_[mi][seat];
    if (slot) {
        score.called -= 1;
        score.right -= slot->hit ? 1 : 0;
        if (slot->abs_error_sum) {
            score.abs_error_sum -= *slot->abs_error_sum;
            score.abs_error_count -= slot->abs_error_count;
        }
        slot.reset();
    }
    if (!call)
        return;
    seat_score s;
    s.hit = call->hit;
    if (call->mean_abs_error) {
        s.abs_error_count = static_cast<int>(call->errors.size());
        s.abs_error_sum = *call->mean_abs_error * s.abs_error_count;
        score.abs_error_sum += *s.abs_error_sum;
        score.abs_error_count += s.abs_error_count;
    }
    score.called += 1;
    score.right += s.hit ? 1 : 0;
    slot = s;
}

record_ranks analyst::rank(election_state const& state, seat_index seat) const
{
    record_ranks out;
    auto const& mine = *state.seat(seat).current;
    auto my_swing = mine.swing_between_top_two ? std::optional<double>(mine.swing_between_top_two->points) : std::nullopt;
    int closer = 0, bigger_swing = 0, higher = 0, lower = 0;
    for (seat_index i = 0; i < state.seat_count(); ++i) {
        auto const& r = state.seat(i).current;
        if (!r || r->kind != declaration_kind::result)
            continue;
        ++out.declared;
        if (i == seat)
            continue;
        closer += r->majority_share < mine.majority_share;
        if (my_swing && r->swing_between_top_two && r->swing_between_top_two->points > *my_swing)
            ++bigger_swing;
        if (mine.turnout && r->turnout) {
            higher += *r->turnout > *mine.turnout;
            lower += *r->turnout < *mine.turnout;
        }
    }
    out.closest_majority = closer + 1;
    if (my_swing)
        out.biggest_swing = bigger_swing + 1;
    if (mine.turnout) {
        out.highest_turnout = higher + 1;
        out.lowest_turnout = lower + 1;
    }
    return out;
}

declaration_analysis analyst::on_result(election_state const& state, seat_index seat, seat_result const* previous,
                                        zoned_time at, std::int64_t declaration_seq, std::vector<alert>& out)
{
    auto const& r = *state.seat(seat).current;
    auto const& ref = *ref_;
    auto const& c = ref.seat(seat);
    declaration_analysis a;

    for (std::size_t mi = 0; mi < models_.size(); ++mi) {
        auto const& m = *models_[mi];
        if (seat < m.seats.size() && m.seats[seat]) {
            auto call = compare(m, r, seat);
            rescore(mi, seat, call);
            if (m.name == "exit_poll") {
                a.exit_poll_favourite = call.pick;
                a.exit_poll_winner_probability = call.winner_value;
            }
            a.models.push_back(std::move(call));
        } else {
            rescore(mi, seat, std::nullopt);
        }
    }
    if (r.gain) {
        a.target_rank = facts_->target_rank(seat, r.winner);
        a.swing_needed = facts_->swing_needed(seat, r.winner);
    }
    if (r.kind == declaration_kind::result)
        a.records = rank(state, seat);
    if (seat >= per_seat_.size())
        per_seat_.resize(state.seat_count());
    per_seat_[seat] = std::make_shared<declaration_analysis const>(a);

    auto raise = [&](char const* type, severity level, std::vector<party_id> parties, std::string text,
                     auto&& write_data) -> alert& {
        alert al;
        al.seq = ++last_alert_seq_;
        al.type = type;
        al.level = level;
        al.seat = seat;
        al.parties = std::move(parties);
        al.text = std::move(text);
        al.at = at;
        al.declaration_seq = declaration_seq;
        json_writer w(al.data);
        w.begin_object().field("constituency", c.ons_code).field("name", c.name);
        write_data(w);
        w.end_object();
        out.push_back(std::move(al));
        return out.back();
    };
    auto code = [&](party_id p) { return std::string_view(ref.parties[p].code); };

    bool first = previous == nullptr;
    bool winner_changed = previous && previous->winner != r.winner;
    bool completes_rush = previous && previous->kind == declaration_kind::rush && !winner_changed;
    bool provisional = r.kind == declaration_kind::rush;
    auto const& totals = state.accumulator();
    auto seats_of = [&](party_id p) { return totals.seats_of(p); };
    auto const majority_line = ref.majority_line();
    auto const total_seats = static_cast<int>(ref.seat_count());
    auto majority_text = [&] {
        return provisional ? std::string(" (provisional: figures to follow)")
                           : ", majority " + thousands(r.majority);
    };

    if (first || winner_changed) {
        if (winner_changed) {
            auto withdrawn = result_alert_.count(seat) ? std::optional<std::int64_t>(result_alert_[seat]) : std::nullopt;
            auto& al = raise(alert_type::retraction, severity::high, {previous->winner, r.winner},
                             "Retraction: " + c.name + " result withdrawn; the corrected figures give the seat to "
                                 + party_name(r.winner) + ", not " + party_name(previous->winner),
                             [&](json_writer& w) {
                                 w.field("withdrawn_winner", code(previous->winner)).field("winner", code(r.winner));
                                 w.key("retracts").value(withdrawn);
                             });
            al.retracts = withdrawn;
        }
        // Gain or hold: the line for air.
        std::vector<party_id> parties{r.winner};
        if (r.previous_winner && *r.previous_winner != r.winner)
            parties.push_back(*r.previous_winner);
        auto text = r.gain ? party_name(r.winner) + " gain " + c.name + " from " + party_name(*r.previous_winner)
                           : party_name(r.winner) + (r.previous_winner ? " hold " : " win ") + c.name;
        auto& result_alert = raise(r.gain ? alert_type::gain : alert_type::hold, r.gain ? severity::medium : severity::info,
                                   parties, text + majority_text(), [&](json_writer& w) {
                                       w.field("winner", code(r.winner));
                                       w.key("from");
                                       r.gain ? w.value(code(*r.previous_winner)) : w.null();
                                       w.field("result", r.text).field("provisional", provisional);
                                       w.field("majority", r.majority).field("majority_share", r.majority_share, 2);
                                       w.key("swing");
                                       if (r.swing_between_top_two)
                                           w.begin_object().field("from", code(r.swing_between_top_two->from))
                                               .field("to", code(r.swing_between_top_two->to))
                                               .field("points", r.swing_between_top_two->points, 2).end_object();
                                       else
                                           w.null();
                                   });
        result_alert_[seat] = result_alert.seq;

        if (a.exit_poll_winner_probability && *a.exit_poll_winner_probability < 0.5) {
            double p = *a.exit_poll_winner_probability;
            auto fav = *a.exit_poll_favourite;
            auto const& forecast = *exit_poll()->seats[seat];
            double total = 0;
            for (auto const& v : forecast.values)
                total += v.value;
            double fav_p = total > 0 ? forecast.value_of(fav) / total : 0;
            raise(alert_type::exit_poll_upset, p < 0.1 ? severity::high : severity::medium, {r.winner, fav},
                  "Exit poll upset in " + c.name + ": " + party_name(r.winner) + " won, given a "
                      + percent(100 * p, 0) + " chance (favourite: " + party_name(fav) + ", " + percent(100 * fav_p, 0) + ")",
                  [&](json_writer& w) {
                      w.field("winner", code(r.winner)).field("winner_probability", p, 3);
                      w.field("favourite", code(fav)).field("favourite_probability", fav_p, 3);
                  });
        }

        std::vector<model_call const*> misses;
        for (auto const& call : a.models)
            if (!call.hit && call.model != "exit_poll" && find_model(call.model)->headline)
                misses.push_back(&call);
        if (!misses.empty()) {
            std::string names;
            std::vector<party_id> parties{r.winner};
            for (auto const* m : misses) {
                names += (names.empty() ? "" : ", ") + find_model(m->model)->title + " (" + std::string(code(m->pick)) + ")";
                if (std::find(parties.begin(), parties.end(), m->pick) == parties.end())
                    parties.push_back(m->pick);
            }
            raise(alert_type::projection_miss, severity::low, parties,
                  c.name + ": " + party_name(r.winner) + " won against the call of " + names, [&](json_writer& w) {
                      w.field("winner", code(r.winner));
                      w.key("misses").begin_array();
                      for (auto const* m : misses)
                          w.begin_object().field("model", m->model).field("pick", code(m->pick)).end_object();
                      w.end_array();
                  });
        }

        if (first) {
            for (auto const& wl : ref.watchlist())
                if (wl.seat == seat)
                    raise(alert_type::watchlist, severity::medium, parties,
                          "Seat to watch: " + text + majority_text(),
                          [&](json_writer& w) { w.field("note", wl.note).field("result", r.text); });
            for (auto const& bw : ref.bellwethers()) {
                if (bw.seat != seat)
                    continue;
                auto ep = exit_poll();
                std::optional<party_id> leader;
                if (ep && !ep->national_seats.empty())
                    leader = std::max_element(ep->national_seats.begin(), ep->national_seats.end(),
                                              [](auto const& x, auto const& y) { return x.second < y.second; })->first;
                auto verdict = leader ? (*leader == r.winner ? ", in line with the exit poll's winner"
                                                             : ", against the exit poll's winner " + party_name(*leader))
                                      : std::string();
                raise(alert_type::bellwether, severity::medium, parties, "Bellwether " + c.name + ": " + text + verdict,
                      [&](json_writer& w) {
                          w.field("note", bw.note).field("result", r.text);
                          w.key("exit_poll_winner");
                          leader ? w.value(code(*leader)) : w.null();
                          w.key("agrees");
                          leader ? w.value(*leader == r.winner) : w.null();
                      });
            }
        }

        if (a.target_rank) {
            auto rank = *a.target_rank;
            raise(alert_type::target, rank > 150 ? severity::high : rank > 75 ? severity::medium : severity::low,
                  parties,
                  party_name(r.winner) + " take " + c.name + ", " + ordinal(rank) + " on their target list (needed a "
                      + percent(*a.swing_needed) + " swing)",
                  [&](json_writer& w) {
                      w.field("party", code(r.winner)).field("rank", rank).field("swing_needed", *a.swing_needed, 2);
                  });
        }

        // Defeats: sitting MPs (from the nominations) and the configured notables.
        struct person {
            std::string name;
            party_id party;
            std::string note;
            bool sitting = false;
            bool critical = false;
        };
        std::vector<person> people;
        for (auto const& n : ref.nominations())
            if (n.seat == seat && n.sitting_mp)
                people.push_back({n.name, n.party, "sitting MP", true, false});
        for (auto const& n : ref.notables()) {
            if (n.seat != seat)
                continue;
            auto it = std::find_if(people.begin(), people.end(), [&](person const& p) { return fold(p.name) == fold(n.name); });
            auto party = std::optional<party_id>();
            for (auto const& cand : r.candidates)
                if (fold(cand.name) == fold(n.name))
                    party = cand.party;
            if (it != people.end()) {
                it->note = n.note;
                it->critical = n.critical;
            } else if (party) {
                people.push_back({n.name, *party, n.note, false, n.critical});
            }
        }
        for (auto const& who : people) {
            auto cand = std::find_if(r.candidates.begin(), r.candidates.end(),
                                     [&](candidate_result const& x) { return fold(x.name) == fold(who.name); });
            bool stood = cand != r.candidates.end();
            // Matched by name; a sitting MP whose name the feed spells differently is matched by party.
            bool lost = stood ? cand != r.candidates.begin() : who.sitting && who.party != r.winner;
            if (!lost)
                continue;
            auto level = who.critical ? severity::critical : who.note != "sitting MP" ? severity::high : severity::medium;
            auto label = who.name + " (" + std::string(code(who.party)) + ")" + (who.note != "sitting MP" ? ", " + who.note + "," : "");
            raise(alert_type::notable_defeat, level, {who.party, r.winner},
                  "Defeat: " + label + " loses " + c.name + " to " + party_name(r.winner), [&](json_writer& w) {
                      w.field("person", who.name).field("party", code(who.party)).field("note", who.note);
                      w.field("sitting_mp", who.sitting).field("winner", code(r.winner));
                  });
        }

        auto const& winner_code = ref.parties[r.winner].code;
        if (seats_of(r.winner) >= 1 && !first_seat_done_.count(winner_code)) {
            first_seat_done_.insert(winner_code);
            raise(alert_type::first_seat, severity::low, {r.winner},
                  party_name(r.winner) + " win their first seat of the night: " + c.name,
                  [&](json_writer& w) { w.field("party", winner_code); });
        }
        if (seats_of(r.winner) >= majority_line && !majority_done_.count(winner_code)) {
            majority_done_.insert(winner_code);
            raise(alert_type::majority, severity::critical, {r.winner},
                  party_name(r.winner) + " pass " + std::to_string(majority_line) + " seats with " + c.name
                      + ": an overall majority in the House of Commons",
                  [&](json_writer& w) {
                      w.field("party", winner_code).field("seats", seats_of(r.winner));
                      w.field("majority_line", majority_line);
                  });
        }
        if (first) {
            auto declared = totals.declared();
            bool milestone = declared == 1 || declared == total_seats
                             || (cfg_.milestone_every > 0 && declared % cfg_.milestone_every == 0);
            if (milestone && !milestones_done_.count(declared)) {
                milestones_done_.insert(declared);
                auto board_totals = state.current_totals();
                std::string board;
                for (std::size_t i = 0; i < board_totals.parties.size() && i < 4; ++i)
                    board += (i ? ", " : "") + ref.parties[board_totals.parties[i].party].code + " "
                             + std::to_string(board_totals.parties[i].seats);
                auto line = declared == 1 ? "First declaration of the night: " + c.name + ", " + r.text
                            : declared == total_seats ? "All " + std::to_string(declared) + " seats declared: " + board
                                                             : std::to_string(declared) + " of "
                                                                   + std::to_string(total_seats)
                                                                   + " seats declared: " + board;
                raise(alert_type::milestone, declared == 1 || declared == total_seats ? severity::low : severity::info,
                      {}, line, [&](json_writer& w) {
                          w.field("declared", declared).field("total_seats", total_seats);
                      });
            }
        }
    } else if (!completes_rush) {
        raise(alert_type::correction, severity::medium, {r.winner},
              "Correction: " + c.name + " has revised figures; " + party_name(r.winner) + " majority now "
                  + thousands(r.majority),
              [&](json_writer& w) {
                  w.field("winner", code(r.winner)).field("majority", r.majority);
                  w.field("previous_majority", previous->majority);
              });
    }

    // Records among tonight's full results, once enough seats are in to make them mean something.
    if (r.kind == declaration_kind::result && a.records.declared >= cfg_.records_after) {
        auto check = [&](char const* name, std::optional<int> rank, std::string line, auto&& data) {
            if (rank != 1 || (record_holder_.count(name) && record_holder_[name] == seat))
                return;
            record_holder_[name] = seat;
            raise(alert_type::record, severity::low, {r.winner}, line, [&](json_writer& w) {
                w.field("record", name);
                data(w);
            });
        };
        check("closest_majority", a.records.closest_majority,
              "Closest result so far: " + c.name + ", " + party_name(r.winner) + " majority " + thousands(r.majority) + " ("
                  + percent(r.majority_share, 2) + ")",
              [&](json_writer& w) { w.field("majority", r.majority).field("majority_share", r.majority_share, 2); });
        if (r.swing_between_top_two)
            check("biggest_swing", a.records.biggest_swing,
                  "Biggest swing so far: " + c.name + ", " + format_decimal(r.swing_between_top_two->points, 1)
                      + " points from " + party_name(r.swing_between_top_two->from) + " to "
                      + party_name(r.swing_between_top_two->to),
                  [&](json_writer& w) { w.field("points", r.swing_between_top_two->points, 2); });
        if (r.turnout) {
            check("highest_turnout", a.records.highest_turnout,
                  "Highest turnout so far: " + c.name + ", " + percent(*r.turnout),
                  [&](json_writer& w) { w.field("turnout", *r.turnout, 2); });
            check("lowest_turnout", a.records.lowest_turnout,
                  "Lowest turnout so far: " + c.name + ", " + percent(*r.turnout),
                  [&](json_writer& w) { w.field("turnout", *r.turnout, 2); });
        }
    }
    return a;
}

void analyst::on_model_loaded(model const& m, zoned_time at, std::vector<alert>& out)
{
    if (m.name != "exit_poll" || m.national_seats.empty())
        return;
    auto const& ref = *ref_;
    auto seats = m.national_seats;
    std::stable_sort(seats.begin(), seats.end(), [](auto const& a, auto const& b) { return a.second > b.second; });
    std::string board;
    for (auto const& [p, n] : seats)
        board += (board.empty() ? "" : ", ") + ref.parties[p].code + " " + std::to_string(n);
    auto line = ref.majority_line();
    auto const& [leader, leader_seats] = seats.front();
    auto verdict = leader_seats >= line
                       ? party_name(leader) + " majority of " + std::to_string(2 * leader_seats - static_cast<int>(ref.seat_count()))
                       : "no overall majority: " + party_name(leader) + " " + std::to_string(line - leader_seats) + " short";
    alert al;
    al.seq = ++last_alert_seq_;
    al.type = alert_type::exit_poll;
    al.level = severity::high;
    al.parties = {leader};
    al.text = "Exit poll: " + board + " (" + verdict + ")";
    al.at = at;
    json_writer w(al.data);
    w.begin_object().field("model", m.name).key("seats").begin_object();
    for (auto const& [p, n] : seats)
        w.field(ref.parties[p].code, n);
    w.end_object().field("majority_line", line).end_object();
    out.push_back(std::move(al));
}

void analyst::on_recount(election_state const& state, seat_index seat, zoned_time at, std::vector<alert>& out)
{
    auto const& ref = *ref_;
    auto const& c = ref.seat(seat);
    alert al;
    al.seq = ++last_alert_seq_;
    al.type = alert_type::recount;
    al.level = severity::medium;
    al.seat = seat;
    auto const& current = state.seat(seat).current;
    if (current)
        al.parties.push_back(current->winner);
    al.text = "Recount in " + c.name + (current ? " (provisionally " + party_name(current->winner) + ")" : "");
    al.at = at;
    json_writer w(al.data);
    w.begin_object().field("constituency", c.ons_code).field("name", c.name);
    w.key("provisional_winner");
    current ? w.value(ref.parties[current->winner].code) : w.null();
    w.end_object();
    out.push_back(std::move(al));
}

void analyst::on_state_of_parties_mismatch(int results, std::vector<std::string> const& differences, zoned_time at,
                                           std::vector<alert>& out)
{
    alert al;
    al.seq = ++last_alert_seq_;
    al.type = alert_type::sop_mismatch;
    al.level = severity::high;
    al.at = at;
    std::string summary;
    for (std::size_t i = 0; i < differences.size() && i < 3; ++i)
        summary += (i ? "; " : "") + differences[i];
    if (differences.size() > 3)
        summary += "; and " + std::to_string(differences.size() - 3) + " more";
    al.text = "PA's state of the parties (" + std::to_string(results) + " results) disagrees with electd: " + summary;
    json_writer w(al.data);
    w.begin_object().field("results", results).key("differences").begin_array();
    for (auto const& d : differences)
        w.value(d);
    w.end_array().end_object();
    out.push_back(std::move(al));
}

void analyst::on_feed_stall(std::string const& feed, std::string const& url, std::int64_t quiet_seconds, bool stalled,
                            zoned_time at, std::vector<alert>& out)
{
    alert al;
    al.seq = ++last_alert_seq_;
    al.type = stalled ? alert_type::feed_stalled : alert_type::feed_resumed;
    al.level = stalled ? severity::high : severity::low; // a quiet feed may be a lost night
    al.at = at;
    al.text = stalled ? "Feed '" + feed + "' has brought nothing new for " + std::to_string(quiet_seconds) + " s"
                      : "Feed '" + feed + "' is flowing again";
    json_writer w(al.data);
    w.begin_object().field("feed", feed).field("url", url).field("quiet_seconds", quiet_seconds).end_object();
    out.push_back(std::move(al));
}

void analyst::note_alert(alert const& a)
{
    last_alert_seq_ = std::max(last_alert_seq_, a.seq);
    if (!a.seat)
        return;
    if (a.type == alert_type::gain || a.type == alert_type::hold)
        result_alert_[*a.seat] = a.seq;
    if (a.type == alert_type::first_seat && !a.parties.empty())
        first_seat_done_.insert(ref_->parties[a.parties[0]].code);
    if (a.type == alert_type::majority && !a.parties.empty())
        majority_done_.insert(ref_->parties[a.parties[0]].code);
}

std::vector<projected_party> analyst::projection(election_state const& state, model const& m) const
{
    std::vector<seat_result const*> current(state.seat_count());
    for (seat_index i = 0; i < state.seat_count(); ++i)
        current[i] = state.seat(i).current.get();
    return project(*ref_, current, m);
}

std::vector<projected_party> project(reference_data const& ref, std::vector<seat_result const*> const& current,
                                     model const& m)
{
    std::vector<projected_party> rows(ref.parties.size());
    for (party_id p = 0; p < rows.size(); ++p)
        rows[p].party = p;
    std::vector<double> won(ref.parties.size()), expected(ref.parties.size());
    auto normalised = [](seat_forecast const& f, party_id p) {
        double total = 0;
        for (auto const& v : f.values)
            total += v.value;
        return total > 0 ? f.value_of(p) / total : 0.0;
    };
    for (seat_index i = 0; i < current.size(); ++i) {
        auto const* r = current[i];
        if (!r)
            continue;
        rows[r->winner].declared += 1;
        if (m.kind == model_kind::probabilities && i < m.seats.size() && m.seats[i]) {
            won[m.as_modelled(r->winner, ref.others_lump)] += 1;
            for (auto p : m.parties)
                expected[p] += normalised(*m.seats[i], p);
        }
    }
    for (seat_index i = 0; i < current.size(); ++i) {
        if (current[i])
            continue;
        if (i >= m.seats.size() || !m.seats[i]) {
            // Seats the model does not cover count for their baseline winner.
            if (auto w = ref.baseline_of(i).winner()) {
                rows[*w].undeclared += 1;
                rows[*w].corrected += 1;
            }
            continue;
        }
        auto const& f = *m.seats[i];
        if (m.kind != model_kind::probabilities) {
            rows[f.favourite].undeclared += 1;
            rows[f.favourite].corrected += 1;
            continue;
        }
        double scaled_total = 0;
        for (auto const& v : f.values)
            scaled_total += normalised(f, v.party) * (won[v.party] + 1) / (expected[v.party] + 1);
        for (auto const& v : f.values) {
            double p = normalised(f, v.party);
            rows[v.party].undeclared += p;
            if (scaled_total > 0)
                rows[v.party].corrected += p * (won[v.party] + 1) / (expected[v.party] + 1) / scaled_total;
        }
    }
    for (auto const& [p, seats] : m.national_seats)
        rows[p].national = seats;
    for (auto& row : rows) {
        row.projected = row.declared + row.undeclared;
        row.corrected += row.declared;
    }
    std::erase_if(rows, [](projected_party const& r) { return r.projected < 0.005 && !r.national && r.corrected < 0.005; });
    std::stable_sort(rows.begin(), rows.end(),
                     [](projected_party const& a, projected_party const& b) { return a.projected > b.projected; });
    return rows;
}

} // namespace electd::core
