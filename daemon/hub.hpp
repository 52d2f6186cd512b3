#pragma once
// The hub: every push subscriber, and the fan-out of each commit's alerts, results and totals
// to them. Each message is serialised once and shared; fan-out runs on the network threads
// (sharded, each shard on its own strand, in commit order), never on the tracker's.
// Thread-safe.
#include "daemon/alert_log.hpp"
#include "daemon/snapshot.hpp"
#include "daemon/subscriber.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace electd::daemon {

struct hub_config {
    std::size_t max_subscribers = 20000;
    std::size_t max_per_address = 2000;
    std::size_t max_queue = 4096;      // items a subscriber may have waiting
    std::chrono::seconds heartbeat{15};
};

struct hub_stats {
    std::atomic<std::int64_t> subscribers{0};
    std::atomic<std::uint64_t> joined{0};
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::uint64_t> slow_closed{0};
    std::atomic<std::uint64_t> messages_queued{0};
    std::atomic<std::uint64_t> messages_coalesced{0};
    std::atomic<std::uint64_t> messages_sent{0};
};

/// What one commit changed, handed over by the tracker.
struct commit_event {
    std::vector<std::shared_ptr<alert_entry const>> alerts;
    std::vector<std::shared_ptr<seat_view const>> seats; // seats whose result changed
    std::shared_ptr<snapshot const> snap;
};

class hub {
public:
    hub(boost::asio::io_context& ioc, hub_config cfg, unsigned shards);

    /// Registers a connection; nullptr, with `refusal` saying why, over a limit.
    std::shared_ptr<subscriber> join(std::string const& address, boost::asio::any_io_executor ex, std::string& refusal);
    void leave(std::shared_ptr<subscriber> const& s);

    /// Called by the tracker after each commit.
    void publish(commit_event ev);
    void start();
    /// Closes every subscriber with "going away" (1001).
    void shutdown();

    hub_stats& stats() { return stats_; }
    hub_config const& config() const { return cfg_; }

    /// The messages as they go on the wire (also used for snapshots and history).
    static shared_text alert_message(alert_entry const& a);
    static shared_text result_message(seat_view const& s, snapshot const& snap);
    static shared_text totals_message(snapshot const& snap);

private:
    struct shard {
        explicit shard(boost::asio::io_context& ioc) : strand(boost::asio::make_strand(ioc)) {}
        boost::asio::strand<boost::asio::io_context::executor_type> strand;
        // Changed in place under the mutex; a fan-out iterates over a copy taken under it. One
        // copy per message is cheap beside the sends, whereas copying the list on every join
        // and leave made 10,000 clients reconnecting at once quadratic.
        std::vector<std::shared_ptr<subscriber>> copy_members()
        {
            std::lock_guard lock(mutex);
            return members;
        }
        std::mutex mutex;
        std::vector<std::shared_ptr<subscriber>> members;
    };
    bool offer(subscriber& sub, stream_item const& item); // false: overflowed
    void fan_out(shard& sh, std::shared_ptr<std::vector<stream_item> const> items,
                 std::shared_ptr<commit_event const> ev);
    void on_heartbeat();

    boost::asio::io_context& ioc_;
    hub_config cfg_;
    std::vector<std::unique_ptr<shard>> shards_;
    std::atomic<std::size_t> next_shard_{0};
    std::mutex counts_mutex_;
    std::map<std::string, std::size_t> per_address_;
    boost::asio::steady_timer heartbeat_;
    std::atomic<std::int64_t> last_alert_seq_{0};
    std::atomic<bool> stopped_{false};
    hub_stats stats_;
};

} // namespace electd::daemon
