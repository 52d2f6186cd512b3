#include "daemon/tracker.hpp"

#include "core/json_views.hpp"
#include "storage/migrations.hpp"
#include "storage/reference_store.hpp"
#include "support/log.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>

namespace electd::daemon {
namespace asio = boost::asio;

namespace {

shared_text render_result(core::seat_result const& r, core::reference_data const& ref)
{
    std::string out;
    core::json_writer w(out);
    core::write_result(w, r, ref);
    return std::make_shared<std::string const>(std::move(out));
}

std::int64_t unix_ms_now()
{
    return core::to_unix_ms(std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

} // namespace

tracker::tracker(std::string const& db_path, std::shared_ptr<core::reference_data const> ref,
                 asio::any_io_executor fallback)
    : fallback_executor_(std::move(fallback)), db_(db_path), state_(std::move(ref))
{
    storage::configure_writer(db_);
    auto log = module_logger("tracker");
    std::size_t restored = 0;
    storage::for_each_revision(db_, *state_.reference(), [&](storage::stored_revision&& r) {
        // Every stored revision was accepted when it arrived, so it applies again in seq order.
        if (state_.classify(r.value, r.canonical) == core::verdict::accepted)
            state_.apply(r.value, std::move(r.canonical), r.seq, core::from_unix_ms(r.received_at_ms));
        state_.set_last_seq(std::max(state_.last_seq(), r.seq));
        ++restored;
    });
    if (restored > 0)
        log->info("restored {} declaration revisions from {} (last seq {})", restored, db_path, state_.last_seq());
    writer_ = std::make_unique<storage::declaration_writer>(db_);
    seat_views_.reserve(state_.seat_count());
    for (core::seat_index i = 0; i < state_.seat_count(); ++i)
        seat_views_.push_back(make_seat_view(state_, i));
    publish();
}

tracker::~tracker()
{
    stop();
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

void tracker::submit(ingest_request req, asio::any_io_executor ex,
                     asio::any_completion_handler<void(ingest_outcome)> handler)
{
    pending p{std::move(req), std::move(ex), std::move(handler), {}};
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back(std::move(p));
            wake_.notify_one();
            return;
        }
    }
    p.outcome.status = ingest_status::unavailable;
    p.outcome.message = "electd is shutting down; retry against the restarted daemon";
    complete(p);
}

void tracker::run()
{
    std::vector<pending> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty())
                return; // stopping, and everything submitted has been answered
            // Group commit: take everything waiting, so one fsync covers many declarations.
            while (!queue_.empty() && batch.size() < max_batch_) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        process(batch);
        batch.clear();
    }
}

void tracker::process(std::vector<pending>& batch)
{
    auto log = module_logger("tracker");
    state_.begin_batch();
    touched_.clear();
    try {
        storage::transaction tx(db_);
        for (auto& p : batch)
            decide(p, *writer_);
        tx.commit();
        state_.commit_batch();
    } catch (std::exception const& e) {
        // Nothing in this batch is stored: undo it in memory and tell every sender to retry.
        state_.rollback_batch();
        touched_.clear();
        ++stats_.commit_failures;
        auto const* sq = dynamic_cast<storage::sqlite_error const*>(&e);
        log->error("storage failed, {} declarations refused: {}", batch.size(), e.what());
        for (auto& p : batch) {
            if (p.outcome.status == ingest_status::invalid)
                continue; // a 422 does not depend on storage
            p.outcome = ingest_outcome{};
            p.outcome.status = ingest_status::unavailable;
            p.outcome.message = sq && sq->disk_full() ? "the database disk is full; nothing was stored, retry later"
                                                      : "the database could not store this; nothing was stored, retry";
        }
    }
    if (!touched_.empty()) {
        std::sort(touched_.begin(), touched_.end());
        touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
        for (auto i : touched_)
            seat_views_[i] = make_seat_view(state_, i);
        publish();
    }
    ++stats_.batches;
    stats_.declarations += batch.size();
    if (batch.size() > stats_.largest_batch)
        stats_.largest_batch = batch.size();
    for (auto& p : batch)
        complete(p);
}

void tracker::decide(pending& p, storage::declaration_writer& writer)
{
    auto& out = p.outcome;
    auto& req = p.request;
    out.warnings = req.warnings;
    out.constituency = req.input.constituency.value_or("");
    out.revision = req.input.revision;

    auto checked = core::check_declaration(req.input, *state_.reference());
    if (!checked.problems.empty()) {
        out.status = ingest_status::invalid;
        out.problems = std::move(checked.problems);
        return;
    }
    if (!checked.new_parties.empty()) {
        // Minor parties appear on the night: register them, say so, and check again.
        for (auto const& label : checked.new_parties) {
            auto id = state_.register_party(label);
            storage::insert_feed_party(db_, state_.reference()->parties[id], id, unix_ms_now());
            out.warnings.push_back("party '" + label + "' is not in the reference data; registered it as a new party");
            module_logger("tracker")->warn("registered new party '{}' named by a declaration for {}", label,
                                           out.constituency);
        }
        checked = core::check_declaration(req.input, *state_.reference());
    }
    auto& d = *checked.value;
    auto const& ref = *state_.reference();
    auto canonical = core::canonical_form(d, ref);
    core::revision_record const* existing = nullptr;
    switch (state_.classify(d, canonical, &existing)) {
    case core::verdict::duplicate:
        out.status = ingest_status::duplicate;
        out.seq = existing->seq;
        if (state_.seat(d.seat).current_revision == d.revision)
            out.result_json = render_result(*state_.seat(d.seat).current, ref);
        return;
    case core::verdict::conflict:
        out.status = ingest_status::conflict;
        out.seq = existing->seq;
        out.message = "revision " + std::to_string(d.revision) + " of " + out.constituency
                      + " is already stored (seq " + std::to_string(existing->seq)
                      + ") with different figures; send corrections as a higher revision";
        return;
    case core::verdict::stale:
        out.status = ingest_status::stale;
        out.current_revision = state_.seat(d.seat).current_revision;
        out.message = "revision " + std::to_string(d.revision) + " of " + out.constituency
                      + " is older than the stored revision " + std::to_string(out.current_revision);
        return;
    case core::verdict::accepted:
        break;
    }

    auto seq = state_.last_seq() + 1;
    auto result = state_.apply(d, canonical, seq, req.received_at);
    auto json = render_result(*result, ref);
    storage::revision_row row;
    row.seq = seq;
    row.value = &d;
    row.declared_at_text = *req.input.declared_at;
    row.canonical = canonical;
    row.result = result.get();
    row.result_json = *json;
    row.payload = req.payload;
    row.content_type = req.content_type;
    row.source = req.source;
    row.received_at_ms = core::to_unix_ms(req.received_at);
    writer.append(row, ref);
    out.status = ingest_status::created;
    out.seq = seq;
    out.result_json = std::move(json);
    touched_.push_back(d.seat);
}

void tracker::publish()
{
    snapshot_.store(std::make_shared<snapshot const>(state_.reference(), seat_views_, state_.current_totals(),
                                                     state_.last_seq()));
}

void tracker::complete(pending& p)
{
    // Resume the sender on its own executor, never on the tracker's thread.
    asio::post(p.executor, [h = std::move(p.handler), o = std::move(p.outcome)]() mutable { std::move(h)(std::move(o)); });
}

} // namespace electd::daemon
