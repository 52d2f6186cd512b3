#pragma once
// The tracker: the one thread that owns the election state, the analyst and the only
// read-write SQLite connection. Ingest hands it work; it checks, applies and analyses each
// declaration, commits a whole batch with its alerts in one transaction (one fsync), and only
// then answers every sender and publishes a new snapshot.
// Thread-safe: async_* and current() may be called from any thread.
#include "core/analyst.hpp"
#include "core/election_state.hpp"
#include "daemon/alert_log.hpp"
#include "daemon/histogram.hpp"
#include "daemon/hub.hpp"
#include "daemon/snapshot.hpp"
#include "daemon/state_watch.hpp"
#include "feeds/pa_adapter.hpp"
#include "storage/alert_store.hpp"
#include "storage/declaration_store.hpp"
#include "storage/sqlite.hpp"
#include "storage/feed_state_store.hpp"
#include "storage/webhook_store.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

namespace electd::daemon {

struct ingest_request {
    core::declaration_input input;
    // From a PA feed: what it says about the seat (an election without reference data learns
    // its seats from this), and feed rules: a late, older revision is kept in the history.
    std::optional<feeds::pa_seat_facts> seat_facts;
    bool keep_late = false;
    // A feed client's position, written in the same transaction: a file is processed once.
    std::optional<storage::feed_state_write> mark;
    // Checked already off the tracker's thread, against this reference; reused if it is still
    // the tracker's (no party registered since), so the tracker does not check twice.
    std::optional<core::declaration> checked;
    std::shared_ptr<core::reference_data const> checked_against;
    std::string payload;
    std::string content_type;
    std::string source = "http";
    std::vector<std::string> warnings; // from parsing
    core::timestamp received_at;
};

enum class ingest_status { created, duplicate, conflict, stale, late, invalid, unavailable };

struct ingest_outcome {
    ingest_status status = ingest_status::unavailable;
    std::int64_t seq = 0;           // created: the new revision's seq; duplicate/conflict: the stored one
    std::string constituency;
    int revision = 0;
    int current_revision = 0;       // for stale answers
    std::shared_ptr<core::seat_result const> result; // created and duplicate: the current result
    std::shared_ptr<core::reference_data const> reference; // to render it with
    std::vector<shared_text> alerts; // created: the alerts it raised
    core::problem_list problems;    // invalid
    std::vector<std::string> warnings;
    std::string message;            // conflict, stale, unavailable
};

/// A forecast model to add or replace (the exit poll at 22:00, a projection, a scenario).
struct model_request {
    std::shared_ptr<core::model const> model;
    std::string payload;
    std::string source;
    core::timestamp received_at;
};

struct model_outcome {
    bool stored = false;
    bool replaced = false;           // a model of that name existed
    std::string message;             // when not stored
    shared_text summary_json;        // the model's summary after loading
    std::vector<shared_text> alerts;
};

/// The seats to watch, re-read on a reload.
struct watchlist_request {
    std::vector<core::watch_entry> entries;
};
struct watchlist_outcome {
    bool stored = false;
    bool changed = false; // false: the same seats and notes as before
    std::string message;  // when not stored
};

/// A webhook endpoint's progress to record (and an alert to dead-letter, if it gave up on one).
struct webhook_request {
    storage::webhook_cursor cursor;
    std::optional<storage::dead_letter> dead;
};

struct webhook_outcome {
    bool stored = false;
    std::string message;
};

/// A polled feed went quiet for its stall_after, or flows again.
struct feed_stall {
    std::string feed;
    std::string url;
    std::int64_t quiet_seconds = 0;
    bool stalled = true;
};

/// A feed message that is not a declaration: a PA state of the parties to check against
/// electd's own totals, a PA recount to announce, or a feed's stall.
struct feed_event_request {
    std::variant<feeds::pa_state_of_parties, feeds::pa_recount, feed_stall> message;
    std::optional<storage::feed_state_write> mark;
    std::string payload;
    std::string source;
    std::optional<std::string> file_name;
    core::timestamp received_at;
};

struct feed_event_outcome {
    bool stored = false;
    std::string constituency;           // a recount's seat
    std::vector<std::string> differences; // a state of the parties: where it disagrees with electd
    std::vector<shared_text> alerts;
    std::string message;                // why it was refused, when it was
    bool invalid = false;               // refused for what it says (unknown seat), not for storage
};

struct tracker_stats {
    std::atomic<std::uint64_t> batches{0};
    std::atomic<std::uint64_t> declarations{0};
    std::atomic<std::uint64_t> largest_batch{0};
    std::atomic<std::uint64_t> commit_failures{0};
    std::atomic<std::uint64_t> alerts{0};
    std::atomic<std::uint64_t> busy_ns{0};     // processing batches, including commits
    std::atomic<std::uint64_t> commit_ns{0};   // COMMIT alone (the fsync)
    std::atomic<std::uint64_t> analysis_ns{0}; // comparing and raising alerts
    std::atomic<std::int64_t> alive_ns{0};     // steady clock when the thread last came round (watchdog)
    std::atomic<std::size_t> queue_depth{0};   // requests waiting for the next batch
    std::atomic<bool> storage_failing{false};  // the last batch could not be committed

    mutable std::mutex detail_mutex; // guards what follows, written once per batch
    histogram batch_sizes = histogram::sizes();
    histogram commit_seconds = histogram::seconds();
    std::map<std::string, std::uint64_t> alerts_by_type;
};

class tracker {
public:
    /// Opens the database for writing and rebuilds the election, models and alerts from it.
    /// `fallback` runs completions whose handler has no executor of its own.
    tracker(std::string const& db_path, std::shared_ptr<core::reference_data const> ref,
            boost::asio::any_io_executor fallback);
    ~tracker();
    tracker(tracker const&) = delete;
    tracker& operator=(tracker const&) = delete;

    void start();
    /// Finishes everything already submitted, then stops the thread. Idempotent.
    void stop();

    /// Submits one declaration; completes after it (and its batch) is committed, or refused.
    template <class CompletionToken>
    auto async_ingest(ingest_request req, CompletionToken&& token)
    {
        return initiate<ingest_outcome>(std::move(req), std::forward<CompletionToken>(token));
    }

    /// Adds or replaces a forecast model; completes after it is stored.
    template <class CompletionToken>
    auto async_put_model(model_request req, CompletionToken&& token)
    {
        return initiate<model_outcome>(std::move(req), std::forward<CompletionToken>(token));
    }

    /// Replaces the seats to watch; completes after it is stored.
    template <class CompletionToken>
    auto async_put_watchlist(watchlist_request req, CompletionToken&& token)
    {
        return initiate<watchlist_outcome>(std::move(req), std::forward<CompletionToken>(token));
    }

    /// Called on the tracker's thread after each commit that changed something (the hub).
    void set_listener(std::function<void(commit_event)> fn) { listener_ = std::move(fn); }

    /// Records a webhook endpoint's progress; completes after the commit.
    template <class CompletionToken>
    auto async_webhook_progress(webhook_request req, CompletionToken&& token)
    {
        return initiate<webhook_outcome>(std::move(req), std::forward<CompletionToken>(token));
    }

    /// A state of the parties or a recount from a feed; completes after the commit.
    template <class CompletionToken>
    auto async_feed_event(feed_event_request req, CompletionToken&& token)
    {
        return initiate<feed_event_outcome>(std::move(req), std::forward<CompletionToken>(token));
    }

    /// Records a feed client's position on its own (a file that could not be used at all).
    template <class CompletionToken>
    auto async_feed_state(storage::feed_state_write w, CompletionToken&& token)
    {
        return initiate<bool>(std::move(w), std::forward<CompletionToken>(token));
    }
    /// Feed positions as stored when the tracker started: feed -> key -> value.
    std::map<std::string, std::map<std::string, std::string>> const& stored_feed_state() const { return feed_state_; }

    /// An election run without reference data: seats and parties come from the feed.
    void set_open_election(bool on) { open_election_ = on; }

    /// Webhook state as stored when the tracker started.
    std::vector<storage::webhook_cursor> const& stored_webhook_cursors() const { return webhook_cursors_; }
    std::vector<storage::dead_letter> const& stored_dead_letters() const { return dead_letters_; }

    std::shared_ptr<snapshot const> current() const { return snapshot_.load(); }
    /// Woken after every publish (long-polls wait on it).
    state_watch& watch() { return watch_; }
    alert_log const& alerts() const { return alerts_; }
    tracker_stats const& stats() const { return stats_; }

private:
    template <class Request, class Outcome>
    struct job {
        Request request;
        boost::asio::any_io_executor executor;
        boost::asio::any_completion_handler<void(Outcome)> handler;
        Outcome outcome;
    };
    using ingest_job = job<ingest_request, ingest_outcome>;
    using model_job = job<model_request, model_outcome>;
    using webhook_job = job<webhook_request, webhook_outcome>;
    using feed_event_job = job<feed_event_request, feed_event_outcome>;
    using feed_state_job = job<storage::feed_state_write, bool>;
    using watchlist_job = job<watchlist_request, watchlist_outcome>;
    using pending = std::variant<ingest_job, model_job, webhook_job, feed_event_job, feed_state_job, watchlist_job>;

    template <class Outcome, class Request, class CompletionToken>
    auto initiate(Request req, CompletionToken&& token)
    {
        return boost::asio::async_initiate<CompletionToken, void(Outcome)>(
            [this](auto handler, Request req) {
                // Remember where to resume the sender: the tracker's thread must never run it.
                boost::asio::any_io_executor ex = boost::asio::get_associated_executor(handler, fallback_executor_);
                submit(job<Request, Outcome>{std::move(req), std::move(ex),
                                             boost::asio::any_completion_handler<void(Outcome)>(std::move(handler)),
                                             {}});
            },
            token, std::move(req));
    }

    void submit(pending p);
    void run();
    void process(std::vector<pending>& batch);
    void decide(ingest_job& j);
    void decide(model_job& j);
    void decide(webhook_job& j);
    void decide(feed_event_job& j);
    void decide(feed_state_job& j);
    void decide(watchlist_job& j);
    std::optional<core::seat_index> open_seat(feeds::pa_seat_facts const& facts);
    void note_new_seat(core::seat_index i);
    void rebuild_analysis(); // from the database: at start-up, and after a failed batch
    void record_alerts(std::vector<shared_text>& answer);
    void publish();
    template <class Job>
    static void complete(Job& j);

    boost::asio::any_io_executor fallback_executor_;
    storage::connection db_;
    core::election_state state_;
    core::analyst analyst_;
    std::unique_ptr<storage::declaration_writer> writer_;
    std::unique_ptr<storage::alert_writer> alert_writer_;
    std::vector<std::shared_ptr<seat_view const>> seat_views_;
    std::vector<core::seat_index> touched_;
    std::vector<core::alert> raised_;                          // by the declaration being decided
    std::vector<std::shared_ptr<alert_entry const>> batch_alerts_; // published after the commit
    std::atomic<std::shared_ptr<snapshot const>> snapshot_;
    state_watch watch_;
    std::int64_t model_loads_ = 0; // every model load ever stored (a part of the state's seq)
    std::function<void(commit_event)> listener_;
    std::vector<storage::webhook_cursor> webhook_cursors_;
    std::vector<storage::dead_letter> dead_letters_;
    bool open_election_ = false;
    std::map<std::string, std::map<std::string, std::string>> feed_state_;
    bool republish_ = false; // something readers see changed without touching a seat
    alert_log alerts_;
    tracker_stats stats_;
    std::size_t max_batch_ = 1024;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<pending> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace electd::daemon
