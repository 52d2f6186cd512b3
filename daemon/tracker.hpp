#pragma once
// The tracker: the one thread that owns the election state and the only read-write SQLite
// connection. Ingest hands it work; it checks, applies, commits a whole batch in one
// transaction (one fsync), and only then answers every sender and publishes a new snapshot.
// Thread-safe: async_ingest and current() may be called from any thread.
#include "core/election_state.hpp"
#include "daemon/snapshot.hpp"
#include "storage/declaration_store.hpp"
#include "storage/sqlite.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace electd::daemon {

struct ingest_request {
    core::declaration_input input;
    std::string payload;
    std::string content_type;
    std::string source = "http";
    std::vector<std::string> warnings; // from parsing
    core::timestamp received_at;
};

enum class ingest_status { created, duplicate, conflict, stale, invalid, unavailable };

struct ingest_outcome {
    ingest_status status = ingest_status::unavailable;
    std::int64_t seq = 0;           // created: the new revision's seq; duplicate/conflict: the stored one
    std::string constituency;
    int revision = 0;
    int current_revision = 0;       // for stale answers
    shared_text result_json;        // created and duplicate
    core::problem_list problems;    // invalid
    std::vector<std::string> warnings;
    std::string message;            // conflict, stale, unavailable
};

struct tracker_stats {
    std::atomic<std::uint64_t> batches{0};
    std::atomic<std::uint64_t> declarations{0};
    std::atomic<std::uint64_t> largest_batch{0};
    std::atomic<std::uint64_t> commit_failures{0};
};

class tracker {
public:
    /// Opens the database for writing and rebuilds the election from it.
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
        return boost::asio::async_initiate<CompletionToken, void(ingest_outcome)>(
            [this](auto handler, ingest_request req) {
                // Remember where to resume the sender: the tracker's thread must never run it.
                boost::asio::any_io_executor ex = boost::asio::get_associated_executor(handler, fallback_executor_);
                submit(std::move(req), std::move(ex),
                       boost::asio::any_completion_handler<void(ingest_outcome)>(std::move(handler)));
            },
            token, std::move(req));
    }

    std::shared_ptr<snapshot const> current() const { return snapshot_.load(); }
    tracker_stats const& stats() const { return stats_; }
    std::size_t max_batch() const { return max_batch_; }

private:
    struct pending {
        ingest_request request;
        boost::asio::any_io_executor executor;
        boost::asio::any_completion_handler<void(ingest_outcome)> handler;
        ingest_outcome outcome;
    };

    void submit(ingest_request req, boost::asio::any_io_executor ex,
                boost::asio::any_completion_handler<void(ingest_outcome)> handler);
    void run();
    void process(std::vector<pending>& batch);
    void decide(pending& p, storage::declaration_writer& writer);
    void publish();
    static void complete(pending& p);

    boost::asio::any_io_executor fallback_executor_;
    storage::connection db_;
    core::election_state state_;
    std::unique_ptr<storage::declaration_writer> writer_;
    std::vector<std::shared_ptr<seat_view const>> seat_views_;
    std::vector<core::seat_index> touched_;
    std::atomic<std::shared_ptr<snapshot const>> snapshot_;
    tracker_stats stats_;
    std::size_t max_batch_ = 1024;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<pending> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace electd::daemon
