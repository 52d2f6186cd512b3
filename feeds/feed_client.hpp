#pragma once
// What the feed clients (drop folder, HTTP poller, upstream WebSocket) share: the message they
// hand on, the position committed with it, the state they report, and their backoff. The
// clients know nothing of the daemon: it gives them a callback that ingests one message.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace electd::feeds {

/// A client's position, committed in the same transaction as the message it came with, so a
/// restart neither loses nor repeats it: (the feed's name,) key -> value.
struct feed_mark {
    std::string key;
    std::string value;
};

/// One message a client received.
struct feed_message {
    std::string body;
    std::string content_type;             // application/json or application/xml
    std::optional<std::string> file_name; // a PA file's name, relative to the feed's root ("test/..." is rehearsal data)
    std::optional<feed_mark> mark;
};

/// What became of it.
struct submit_result {
    bool retry = false;  // storage failed: nothing was stored, not even the mark; offer it again later
    std::string result;  // "stored", "duplicate", "malformed", ... (for logs)
    std::string summary;
};

/// Ingests one message; completes after the commit (or the refusal).
using submit_fn = std::function<boost::asio::awaitable<submit_result>(feed_message)>;

/// A client's health, as GET /v1/feeds shows it.
struct feed_status {
    bool connected = false;              // drop: watching; poll: the last request was answered; websocket: open
    bool stalled = false;                // poll: nothing new for stall_after
    std::int64_t started_ms = 0;
    std::int64_t last_message_ms = 0;    // the last message handed to ingest
    std::uint64_t messages = 0;          // handed to ingest
    std::uint64_t skipped = 0;           // seen before (same content, or a sequence number already had)
    std::string cursor;                  // the last file, the document's ETag, the last sequence number
    std::string last_error;
    std::int64_t last_error_ms = 0;
    std::map<std::string, std::uint64_t> errors; // by kind: "timeout", "connect", "http_5xx", "http_4xx", ...
    std::int64_t next_attempt_ms = 0;    // while backing off
};

/// A feed client. Thread-safe: start, stop and status may be called from any thread.
class feed_client {
public:
    virtual ~feed_client() = default;
    virtual void start() = 0;
    /// Stops at the next step; a message already handed to ingest completes.
    virtual void stop() = 0;
    virtual feed_status status() const = 0;
};

/// The completion for a client's co_spawned coroutine: logs the exception that ended it, if
/// any, as "`who` stopped: ..." (e.g. who = "poller 'pa'").
std::function<void(std::exception_ptr)> report_stop(std::string who);

/// A feed_status behind a mutex: the client writes it on its strand, health reads it anywhere.
class status_board {
public:
    template <class Fn>
    void update(Fn&& fn)
    {
        std::lock_guard lock(mutex_);
        fn(status_);
    }
    feed_status get() const
    {
        std::lock_guard lock(mutex_);
        return status_;
    }
    /// Counts an error of `kind` and remembers its message.
    void error(std::string const& kind, std::string const& message);

private:
    mutable std::mutex mutex_;
    feed_status status_;
};

/// Exponential backoff with jitter: the n-th wait is drawn from [base/2, base] where base is
/// first * 2^n capped at `cap`, so clients retrying together spread out.
class backoff {
public:
    backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap);
    std::chrono::milliseconds next();
    void reset() { attempts_ = 0; }
    int attempts() const { return attempts_; }

private:
    std::chrono::milliseconds first_, cap_;
    int attempts_ = 0;
    std::mt19937_64 random_{std::random_device{}()};
};

std::int64_t unix_ms_now();

/// Name order in which digit runs compare as numbers, so PA's "_9.xml" comes before "_10.xml".
bool natural_less(std::string_view a, std::string_view b);

/// "application/xml" for *.xml, "application/json" for *.json (any case), else empty.
std::string content_type_for(std::string_view file_name);

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

} // namespace electd::feeds
