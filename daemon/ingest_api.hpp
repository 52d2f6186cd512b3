#pragma once
// Ingest of one message, whatever brought it (POST /v1/declarations, the drop folder, the
// poller, the upstream WebSocket): parse by format (native JSON, PA XML), check, hand to the
// tracker, and answer after the commit. Thread-safe.
#include "daemon/histogram.hpp"
#include "daemon/router.hpp"
#include "daemon/server_config.hpp"
#include "daemon/tracker.hpp"

#include <atomic>
#include <map>
#include <mutex>

namespace electd::daemon {

/// What became of one message, for feed clients and the HTTP answer alike.
enum class ingest_result { stored, duplicate, late, conflict, invalid, malformed, refused_test, unsupported, unavailable };

char const* to_string(ingest_result r);

struct ingest_answer {
    ingest_result result = ingest_result::unavailable;
    reply http;
    std::string summary; // one line for logs and feed health
    bool committed = false; // went through the tracker (with the feed's mark, if any)
};

struct feed_counts {
    std::map<std::string, std::uint64_t> by_result; // "stored", "duplicate", ...
    std::map<std::string, histogram> seconds_by_result; // from arrival to answer
    std::string last_summary;
    std::int64_t last_ms = 0;
};

class ingestor {
public:
    ingestor(tracker& t, server_config const& cfg);

    /// One message. `source` names the path ("http", "drop:/srv/pa", "poll:pa", "ws:provider");
    /// `file_name` is the PA file name, when known (a Test_ file is refused unless rehearsing).
    /// `mark`, a feed client's position, is committed with the message whatever its fate, so
    /// the client never processes it twice.
    boost::asio::awaitable<ingest_answer> submit(std::string body, std::string content_type, std::string source,
                                                 std::optional<std::string> file_name,
                                                 std::optional<storage::feed_state_write> mark = std::nullopt);

    /// Counts of outcomes per source (feed health, metrics).
    std::map<std::string, feed_counts> counts() const;

private:
    boost::asio::awaitable<ingest_answer> submit_json(std::string body, std::string content_type, std::string source,
                                                      std::optional<storage::feed_state_write> mark);
    boost::asio::awaitable<ingest_answer> submit_xml(std::string body, std::string content_type, std::string source,
                                                     std::optional<std::string> file_name,
                                                     std::optional<storage::feed_state_write> mark);
    void count(std::string const& source, ingest_answer const& a, double seconds);

    tracker& tracker_;
    server_config const& cfg_;
    mutable std::mutex mutex_;
    std::map<std::string, feed_counts> counts_;
};

void add_ingest_routes(router& r, ingestor& in);

/// The HTTP answer for a tracker outcome.
reply to_reply(ingest_outcome const& o);

/// Whether a content type is JSON or XML ("application/json; charset=utf-8" is JSON).
bool is_json(std::string_view content_type);
bool is_xml(std::string_view content_type);

} // namespace electd::daemon
