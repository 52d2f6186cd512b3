#include "daemon/tracker.hpp"

#include "core/json_views.hpp"
#include "daemon/sop_check.hpp"
#include "storage/migrations.hpp"
#include "storage/model_store.hpp"
#include "storage/reference_store.hpp"
#include "support/log.hpp"

#include <boost/asio/post.hpp>

namespace electd::daemon {
namespace asio = boost::asio;

namespace {

shared_text render(auto&& write)
{
    std::string out;
    core::json_writer w(out);
    write(w);
    return std::make_shared<std::string const>(std::move(out));
}

std::int64_t unix_ms_now()
{
    return core::to_unix_ms(std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

std::shared_ptr<alert_entry const> make_entry(core::alert const& a, core::reference_data const& ref)
{
    auto e = std::make_shared<alert_entry>();
    e->seq = a.seq;
    e->type = a.type;
    e->level = a.level;
    if (a.seat) {
        e->constituency = ref.seat(*a.seat).ons_code;
        e->region = ref.seat(*a.seat).region;
        for (auto const& w : ref.watchlist())
            e->watchlist = e->watchlist || w.seat == *a.seat;
    }
    for (auto p : a.parties)
        e->parties.push_back(ref.parties[p].code);
    e->json = render([&](core::json_writer& w) { core::write_alert(w, a, ref); });
    return e;
}

} // namespace

tracker::tracker(std::string const& db_path, std::shared_ptr<core::reference_data const> ref,
                 asio::any_io_executor fallback)
    : fallback_executor_(std::move(fallback)), db_(db_path), state_(ref), analyst_(ref)
{
    storage::configure_writer(db_);
    auto log = module_logger("tracker");
    std::size_t restored = 0;
    storage::for_each_revision(db_, *state_.reference(), [&](storage::stored_revision&& r) {
        auto canonical = core::canonical_form(r.value, *state_.reference());
        auto v = state_.classify(r.value, canonical);
        if (v == core::verdict::accepted)
            state_.apply(r.value, std::move(canonical), r.seq, core::from_unix_ms(r.received_at_ms));
        else if (v == core::verdict::stale) // a feed's late revision, stored in the history only
            state_.record_late(r.value, std::move(canonical), r.seq, core::from_unix_ms(r.received_at_ms));
        state_.set_last_seq(std::max(state_.last_seq(), r.seq));
        ++restored;
    });
    // Recounts announced after a seat's current result still stand.
    {
        storage::statement q(db_, "SELECT constituency, after_seq FROM feed_messages WHERE kind = 'recount'");
        while (q.step())
            if (auto seat = state_.reference()->find_ons(q.text_view(0)))
                if (auto const& cur = state_.seat(*seat); cur.revisions.empty() || q.int64(1) >= cur.revisions.back().seq)
                    state_.set_recount(*seat, true);
    }
    rebuild_analysis();
    {
        storage::statement q(db_, "SELECT COUNT(*) FROM model_loads");
        q.step();
        model_loads_ = q.int64(0);
    }
    webhook_cursors_ = storage::load_webhook_cursors(db_);
    feed_state_ = storage::load_feed_state(db_);
    dead_letters_ = storage::load_dead_letters(db_);
    std::vector<std::shared_ptr<alert_entry const>> entries;
    storage::for_each_alert(db_, *state_.reference(), [&](core::alert&& a) {
        entries.push_back(make_entry(a, *state_.reference()));
    });
    alerts_.append(std::move(entries));
    if (restored > 0)
        log->info("restored {} declaration revisions and {} alerts from {} (last seq {})", restored,
                  alerts_.last_seq(), db_path, state_.last_seq());
    writer_ = std::make_unique<storage::declaration_writer>(db_);
    alert_writer_ = std::make_unique<storage::alert_writer>(db_);
    seat_views_.reserve(state_.seat_count());
    for (core::seat_index i = 0; i < state_.seat_count(); ++i)
        seat_views_.push_back(std::make_shared<seat_view const>(state_, i, analyst_));
    publish();
}

tracker::~tracker()
{
    stop();
}

void tracker::rebuild_analysis()
{
    // The analysis runs again over every current result in seq order (rebuilding the scoreboard
    // and records); its alerts are already stored, so they are read back, not raised again.
    analyst_ = core::analyst(state_.reference());
    for (auto& m : storage::load_models(db_, *state_.reference()))
        analyst_.put_model(std::move(m), state_);
    core::election_state replay(state_.reference());
    std::vector<core::alert> discard;
    storage::for_each_revision(db_, *state_.reference(), [&](storage::stored_revision&& r) {
        auto canonical = core::canonical_form(r.value, *state_.reference());
        if (replay.classify(r.value, canonical) != core::verdict::accepted)
            return;
        auto previous = replay.seat(r.value.seat).current;
        replay.apply(r.value, std::move(canonical), r.seq, core::from_unix_ms(r.received_at_ms));
        analyst_.on_result(replay, r.value.seat, previous.get(), r.value.declared_at, r.seq, discard);
        discard.clear();
    });
    storage::for_each_alert(db_, *state_.reference(), [&](core::alert&& a) { analyst_.note_alert(a); });
}

void tracker::start()
{
    thread_ = std::thread([this] { run(); });
}

void tracker::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

void tracker::submit(pending p)
{
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back(std::move(p));
            stats_.queue_depth = queue_.size();
            wake_.notify_one();
            return;
        }
    }
    std::visit(
        [](auto& j) {
            using J = std::decay_t<decltype(j)>;
            if constexpr (std::is_same_v<J, feed_state_job>) {
                j.outcome = false;
            } else {
                if constexpr (std::is_same_v<J, ingest_job>)
                    j.outcome.status = ingest_status::unavailable;
                if constexpr (std::is_same_v<J, webhook_job> || std::is_same_v<J, feed_event_job>
                              || std::is_same_v<J, watchlist_job>)
                    j.outcome.stored = false;
                j.outcome.message = "electd is shutting down; retry against the restarted daemon";
            }
            complete(j);
        },
        p);
}

void tracker::run()
{
    std::vector<pending> batch;
    stats_.alive_ns = std::chrono::steady_clock::now().time_since_epoch().count();
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            // Wake at least every second, so the watchdog can tell idle from wedged.
            while (!wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || !queue_.empty(); }))
                stats_.alive_ns = std::chrono::steady_clock::now().time_since_epoch().count();
            stats_.alive_ns = std::chrono::steady_clock::now().time_since_epoch().count();
            if (queue_.empty())
                return; // stopping, and everything submitted has been answered
            // Group commit: take everything waiting, so one fsync covers many declarations.
            while (!queue_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            stats_.queue_depth = queue_.size();
        }
        process(batch);
        batch.clear();
    }
}

void tracker::process(std::vector<pending>& batch)
{
    using steady = std::chrono::steady_clock;
    auto started = steady::now();
    auto log = module_logger("tracker");
    state_.begin_batch();
    auto model_loads_before = model_loads_;
    touched_.clear();
    batch_alerts_.clear();
    bool models_changed = false;
    bool failed = false;
    try {
        storage::transaction tx(db_);
        for (auto& p : batch)
            std::visit([&](auto& j) { decide(j); }, p);
        auto committing = steady::now();
        tx.commit();
        auto commit_time = steady::now() - committing;
        stats_.commit_ns += static_cast<std::uint64_t>(commit_time.count());
        {
            std::lock_guard lock(stats_.detail_mutex);
            stats_.commit_seconds.observe(std::chrono::duration<double>(commit_time).count());
        }
        state_.commit_batch();
        models_changed = std::any_of(batch.begin(), batch.end(), [](pending const& p) {
            return std::holds_alternative<model_job>(p) && std::get<model_job>(p).outcome.stored;
        });
    } catch (std::exception const& e) {
        // Nothing in this batch is stored: undo it in memory and tell every sender to retry.
        state_.rollback_batch();
        model_loads_ = model_loads_before;
        touched_.clear();
        batch_alerts_.clear();
        ++stats_.commit_failures;
        failed = true;
        auto const* sq = dynamic_cast<storage::sqlite_error const*>(&e);
        auto why = sq && sq->disk_full() ? "the database disk is full; nothing was stored, retry later"
                                         : "the database could not store this; nothing was stored, retry";
        log->error("storage failed, {} requests refused: {}", batch.size(), e.what());
        for (auto& p : batch) {
            if (auto* j = std::get_if<ingest_job>(&p)) {
                if (j->outcome.status == ingest_status::invalid)
                    continue; // a 422 does not depend on storage
                j->outcome = ingest_outcome{};
                j->outcome.status = ingest_status::unavailable;
                j->outcome.message = why;
            } else if (auto* m = std::get_if<model_job>(&p)) {
                m->outcome = model_outcome{};
                m->outcome.message = why;
            } else if (auto* w = std::get_if<webhook_job>(&p)) {
                w->outcome = webhook_outcome{};
                w->outcome.message = why;
            } else if (auto* f = std::get_if<feed_event_job>(&p)) {
                if (f->outcome.invalid)
                    continue;
                f->outcome = feed_event_outcome{};
                f->outcome.message = why;
            } else if (auto* wl = std::get_if<watchlist_job>(&p)) {
                wl->outcome = watchlist_outcome{};
                wl->outcome.message = why;
            } else {
                std::get<feed_state_job>(p).outcome = false;
            }
        }
    }
    stats_.storage_failing = failed;
    if (failed) {
        rebuild_analysis(); // rare (a full disk): cheaper than copying the analyst every batch
        seat_views_.resize(state_.seat_count()); // seats learnt in the failed batch are gone again
    }
    // Alerts alone (a feed stall, a state-of-the-parties mismatch) are news too.
    if (!touched_.empty() || models_changed || !batch_alerts_.empty() || std::exchange(republish_, false)) {
        std::sort(touched_.begin(), touched_.end());
        touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
        commit_event ev;
        for (auto i : touched_) {
            seat_views_[i] = std::make_shared<seat_view const>(state_, i, analyst_);
            ev.seats.push_back(seat_views_[i]);
        }
        stats_.alerts += batch_alerts_.size();
        {
            std::lock_guard lock(stats_.detail_mutex);
            for (auto const& a : batch_alerts_)
                ++stats_.alerts_by_type[a->type];
        }
        ev.alerts = batch_alerts_;
        alerts_.append(std::move(batch_alerts_)); // before the hub hears of them: see hub::join
        batch_alerts_.clear();
        publish();
        ev.snap = snapshot_.load();
        if (listener_)
            listener_(std::move(ev));
    }
    ++stats_.batches;
    stats_.declarations += batch.size();
    if (batch.size() > stats_.largest_batch)
        stats_.largest_batch = batch.size();
    {
        std::lock_guard lock(stats_.detail_mutex);
        stats_.batch_sizes.observe(static_cast<double>(batch.size()));
    }
    for (auto& p : batch)
        std::visit([](auto& j) { complete(j); }, p);
    stats_.busy_ns += static_cast<std::uint64_t>((steady::now() - started).count());
}

void tracker::record_alerts(std::vector<shared_text>& answer)
{
    auto const& ref = *state_.reference();
    for (auto const& a : raised_) {
        alert_writer_->append(a, ref);
        auto entry = make_entry(a, ref);
        answer.push_back(entry->json);
        batch_alerts_.push_back(std::move(entry));
    }
    raised_.clear();
}

void tracker::decide(ingest_job& j)
{
    auto& out = j.outcome;
    auto& req = j.request;
    if (req.mark) // whatever becomes of the message, its file is done with
        storage::save_feed_state(db_, *req.mark, unix_ms_now());
    out.warnings = req.warnings;
    out.constituency = req.input.constituency.value_or("");
    out.revision = req.input.revision;

    // An election run from the feed meets its seats as they declare.
    if (open_election_ && req.seat_facts && req.input.pa_number && !state_.reference()->find_pa(*req.input.pa_number))
        open_seat(*req.seat_facts);

    core::checked_declaration checked;
    if (req.checked && req.checked_against == state_.reference())
        checked.value = std::move(req.checked);
    else
        checked = core::check_declaration(req.input, *state_.reference());
    if (!checked.problems.empty()) {
        out.status = ingest_status::invalid;
        out.problems = std::move(checked.problems);
        return;
    }
    if (!checked.new_parties.empty()) {
        // Minor parties appear on the night: register them, say so, and check again.
        for (auto const& label : checked.new_parties) {
            std::string name;
            if (req.seat_facts) // PA names its parties as well as abbreviating them
                for (auto const& p : req.seat_facts->parties)
                    if (p.abbreviation == label)
                        name = p.name;
            auto id = state_.register_party(label, name);
            storage::insert_feed_party(db_, state_.reference()->parties[id], id, unix_ms_now());
            out.warnings.push_back("party '" + label + "' is not in the reference data; registered it as a new party");
            module_logger("tracker")->warn("registered new party '{}' named by a declaration for {}", label,
                                           out.constituency);
        }
        analyst_.set_reference(state_.reference());
        checked = core::check_declaration(req.input, *state_.reference());
    }
    auto& d = *checked.value;
    auto const& ref = *state_.reference();
    auto canonical = core::canonical_form(d, ref);
    out.constituency = ref.seat(d.seat).ons_code;
    core::revision_record const* existing = nullptr;
    switch (state_.classify(d, canonical, &existing)) {
    case core::verdict::duplicate:
        out.status = ingest_status::duplicate;
        out.seq = existing->seq;
        if (state_.seat(d.seat).current_revision == d.revision) {
            out.result = state_.seat(d.seat).current;
            out.reference = state_.reference();
        }
        return;
    case core::verdict::conflict:
        out.status = ingest_status::conflict;
        out.seq = existing->seq;
        out.message = "revision " + std::to_string(d.revision) + " of " + out.constituency
                      + " is already stored (seq " + std::to_string(existing->seq)
                      + ") with different figures; send corrections as a higher revision";
        return;
    case core::verdict::stale:
        if (req.keep_late) {
            // A feed's older revision arriving late: kept in the history, nothing current changes.
            auto seq = state_.last_seq() + 1;
            state_.record_late(d, canonical, seq, req.received_at);
            auto result = core::compute_result(d, ref);
            storage::revision_row row;
            row.seq = seq;
            row.value = &d;
            row.declared_at_text = *req.input.declared_at;
            row.result = &result;
            row.payload = req.payload;
            row.content_type = req.content_type;
            row.source = req.source;
            row.received_at_ms = core::to_unix_ms(req.received_at);
            writer_->append(row, ref);
            out.status = ingest_status::late;
            out.seq = seq;
            out.current_revision = state_.seat(d.seat).current_revision;
            out.message = "revision " + std::to_string(d.revision) + " of " + out.constituency
                          + " arrived after revision " + std::to_string(out.current_revision)
                          + ": kept in the history, the current result is unchanged";
            touched_.push_back(d.seat);
            return;
        }
        out.status = ingest_status::stale;
        out.current_revision = state_.seat(d.seat).current_revision;
        out.message = "revision " + std::to_string(d.revision) + " of " + out.constituency
                      + " is older than the stored revision " + std::to_string(out.current_revision);
        return;
    case core::verdict::accepted:
        break;
    }

    auto seq = state_.last_seq() + 1;
    auto previous = state_.seat(d.seat).current;
    auto result = state_.apply(d, canonical, seq, req.received_at);
    auto analysing = std::chrono::steady_clock::now();
    auto analysis = analyst_.on_result(state_, d.seat, previous.get(), d.declared_at, seq, raised_);
    stats_.analysis_ns += static_cast<std::uint64_t>((std::chrono::steady_clock::now() - analysing).count());
    std::string analysis_json;
    core::json_writer aw(analysis_json);
    core::write_analysis(aw, analysis, ref);
    storage::revision_row row;
    row.seq = seq;
    row.value = &d;
    row.declared_at_text = *req.input.declared_at;
    row.result = result.get();
    row.analysis_json = analysis_json;
    row.payload = req.payload;
    row.content_type = req.content_type;
    row.source = req.source;
    row.received_at_ms = core::to_unix_ms(req.received_at);
    writer_->append(row, ref);
    record_alerts(out.alerts);
    out.status = ingest_status::created;
    out.seq = seq;
    out.result = std::move(result);
    out.reference = state_.reference();
    touched_.push_back(d.seat);
}

void tracker::decide(model_job& j)
{
    auto const& m = *j.request.model;
    auto const& ref = *state_.reference();
    j.outcome.replaced = analyst_.find_model(m.name) != nullptr;
    storage::save_model(db_, m, ref, j.request.source, j.request.payload, core::to_unix_ms(j.request.received_at));
    ++model_loads_;
    analyst_.put_model(j.request.model, state_);
    auto now = core::zoned_time{j.request.received_at, 0};
    analyst_.on_model_loaded(m, now, raised_);
    record_alerts(j.outcome.alerts);
    j.outcome.stored = true;
    j.outcome.summary_json = render([&](core::json_writer& w) {
        core::write_model_summary(w, m, analyst_.score(m.name), analyst_.projection(state_, m), ref);
    });
}

void tracker::decide(watchlist_job& j)
{
    auto const& before = state_.reference()->watchlist();
    auto const& after = j.request.entries;
    j.outcome.stored = true;
    auto same = [](core::watch_entry const& a, core::watch_entry const& b) { return a.seat == b.seat && a.note == b.note; };
    if (std::equal(before.begin(), before.end(), after.begin(), after.end(), same))
        return;
    // Seat views carry their watch note: every seat that joins or leaves the list is redrawn.
    for (auto const& w : before)
        touched_.push_back(w.seat);
    for (auto const& w : after)
        touched_.push_back(w.seat);
    state_.set_watchlist(after);
    storage::save_watchlist(db_, *state_.reference());
    analyst_.set_reference(state_.reference());
    j.outcome.changed = true;
}

std::optional<core::seat_index> tracker::open_seat(feeds::pa_seat_facts const& facts)
{
    // Parties of the previous election first, so the baseline can name them.
    std::vector<core::party_votes> votes;
    auto party_of = [&](feeds::pa_party const& p) {
        auto label = p.abbreviation.empty() ? p.name : p.abbreviation;
        auto before = state_.reference()->parties.size();
        auto id = state_.register_party(label, p.name);
        if (state_.reference()->parties.size() > before)
            storage::insert_feed_party(db_, state_.reference()->parties[id], id, unix_ms_now());
        return id;
    };
    for (auto const& [p, v] : facts.baseline)
        votes.push_back({party_of(p), v});
    auto b = core::baseline::from_votes(std::move(votes));
    if (!facts.sitting_party.empty())
        b.set_holder(party_of(feeds::pa_party{facts.sitting_party, facts.sitting_party, std::nullopt}));
    char code[16];
    std::snprintf(code, sizeof code, "PA%03d", facts.number);
    core::constituency c{code, facts.number, facts.name, "", "", facts.electorate.value_or(0)};
    auto i = state_.register_constituency(std::move(c), std::move(b));
    storage::insert_feed_constituency(db_, *state_.reference(), i);
    note_new_seat(i);
    module_logger("tracker")->info("new seat from the feed: {} {} ({})", facts.number, facts.name, code);
    return i;
}

void tracker::note_new_seat(core::seat_index i)
{
    analyst_.set_reference(state_.reference());
    if (seat_views_.size() <= i)
        seat_views_.resize(i + 1);
    touched_.push_back(i);
}

void tracker::decide(feed_event_job& j)
{
    auto& out = j.outcome;
    auto const& req = j.request;
    if (req.mark)
        storage::save_feed_state(db_, *req.mark, unix_ms_now());
    std::optional<core::seat_index> seat;
    std::string kind;
    if (auto const* recount = std::get_if<feeds::pa_recount>(&req.message)) {
        kind = "recount";
        seat = state_.reference()->find_pa(recount->number);
        if (!seat) {
            out.invalid = true;
            out.message = "recount for PA constituency " + std::to_string(recount->number) + " (" + recount->name
                          + "), which electd does not know";
            return;
        }
        out.constituency = state_.reference()->seat(*seat).ons_code;
        state_.set_recount(*seat, true);
        analyst_.on_recount(state_, *seat, core::zoned_time{req.received_at, 0}, raised_);
        touched_.push_back(*seat);
    } else if (auto const* stall = std::get_if<feed_stall>(&req.message)) {
        kind = stall->stalled ? "stall" : "resume";
        analyst_.on_feed_stall(stall->feed, stall->url, stall->quiet_seconds, stall->stalled,
                               core::zoned_time{req.received_at, 0}, raised_);
    } else {
        kind = "sop";
        auto const& sop = std::get<feeds::pa_state_of_parties>(req.message);
        if (open_election_)
            state_.expect_seats(sop.total_constituencies);
        out.differences = compare_state_of_parties(sop, state_);
        if (!out.differences.empty())
            analyst_.on_state_of_parties_mismatch(sop.number_of_results, out.differences,
                                                  core::zoned_time{req.received_at, 0}, raised_);
        republish_ = republish_ || open_election_; // the number of seats may have changed
    }
    storage::statement ins(db_, "INSERT INTO feed_messages (source, kind, constituency, after_seq, received_ms, "
                                "file_name, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    ins.bind(1, req.source).bind(2, kind);
    seat ? ins.bind(3, state_.reference()->seat(*seat).ons_code) : ins.bind_null(3);
    ins.bind(4, state_.last_seq()).bind(5, core::to_unix_ms(req.received_at)).bind(6, req.file_name);
    ins.bind_blob(7, req.payload).run();
    record_alerts(out.alerts);
    out.stored = true;
}

void tracker::decide(feed_state_job& j)
{
    storage::save_feed_state(db_, j.request, unix_ms_now());
    j.outcome = true;
}

void tracker::decide(webhook_job& j)
{
    storage::save_webhook_cursor(db_, j.request.cursor, unix_ms_now());
    if (j.request.dead)
        storage::add_dead_letter(db_, *j.request.dead);
    j.outcome.stored = true;
}

void tracker::publish()
{
    std::vector<model_entry> models;
    for (auto const& m : analyst_.models())
        models.push_back({m, analyst_.score(m->name)});
    snapshot_.store(std::make_shared<snapshot const>(state_.reference(), seat_views_, state_.current_totals(),
                                                     state_.last_seq(), alerts_.last_seq(), std::move(models),
                                                     model_loads_));
    watch_.notify();
}

template <class Job>
void tracker::complete(Job& j)
{
    // Resume the sender on its own executor, never on the tracker's thread.
    asio::post(j.executor, [h = std::move(j.handler), o = std::move(j.outcome)]() mutable { std::move(h)(std::move(o)); });
}

} // namespace electd::daemon
