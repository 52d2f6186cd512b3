#pragma once
// One push subscriber (a WebSocket or SSE connection): its filter and a bounded queue the hub
// fills and the connection's writer drains. Results and totals are state, so a backed-up
// queue keeps only the newest per seat; alerts are events and are never dropped or merged:
// a subscriber that cannot take them is closed and resumes later with `since`.
// Thread-safe: the hub pushes from any thread, the connection reads on its own strand.
#include "daemon/snapshot.hpp"
#include "daemon/stream_filter.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <mutex>
#include <optional>
#include <vector>

namespace electd::daemon {

enum class stream_kind { alert, result, totals, heartbeat, snapshot, error };

char const* to_string(stream_kind k);

struct stream_item {
    stream_kind kind = stream_kind::alert;
    std::int64_t seq = 0;        // an alert's seq; for the rest, the last alert seq when made
    std::int64_t key = -1;       // what a newer item replaces: the seat for results, 0 for totals
    shared_text json;            // the whole message, {"type": ..., "seq": ..., ...}
};

class subscriber {
public:
    subscriber(boost::asio::any_io_executor ex, std::string address, std::size_t max_queue);

    std::string const& address() const { return address_; }

    enum class pushed { queued, coalesced, overflow };
    /// Queues an item, replacing a waiting one of the same kind and key (state). `overflow`:
    /// the queue is full of what cannot be merged, and the subscriber must be closed as too slow.
    pushed push(stream_item item);
    /// Takes everything queued, oldest first.
    std::vector<stream_item> take();
    /// Waits until something is queued or the subscriber is closed (on its executor).
    boost::asio::awaitable<void> wait();

    /// Sets what the subscriber wants and asks for a snapshot and the alerts after `since`
    /// (none if nullopt) before anything else is sent.
    void subscribe(stream_filter f, std::optional<std::int64_t> since);
    std::shared_ptr<stream_filter const> filter() const; // null until the first subscribe

    /// The pending resubscription, taken by the connection's writer.
    struct resync {
        std::shared_ptr<stream_filter const> filter;
        std::optional<std::int64_t> since;
    };
    std::optional<resync> take_resync();
    bool take_resync_pending() const;

    /// Asks the connection to close with a reason (slow consumer, shutdown).
    void close(int code, std::string reason);
    std::optional<std::pair<int, std::string>> closing() const;


private:
    void wake();

    std::string address_;
    std::size_t max_queue_;
    mutable std::mutex mutex_;
    // A vector, not a deque: an empty one holds no memory, and most of 10,000 subscribers'
    // queues are empty most of the night.
    std::vector<stream_item> queue_;
    std::shared_ptr<stream_filter const> filter_;
    std::optional<resync> resync_;
    std::optional<std::pair<int, std::string>> closing_;
    // Woken from the hub's threads, waited on by the connection's: it must be the concurrent kind.
    boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> signal_;
};

} // namespace electd::daemon
