#pragma once
// Webhooks: every configured endpoint gets each matching alert as a signed POST, in seq order,
// at least once. The alerts table is the outbox; the endpoint's cursor (the last seq it
// acknowledged) is committed through the tracker after each delivery, so a restart resumes
// where delivery stopped. Failures back off exponentially; after max_attempts the alert is
// dead-lettered (visible in the API) and delivery moves on. Thread-safe.
#include "daemon/server_config.hpp"
#include "daemon/stream_filter.hpp"
#include "daemon/tracker.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace electd::daemon {

struct webhook_stats {
    std::atomic<std::uint64_t> delivered{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> dead_lettered{0};
};

class webhook_dispatcher {
public:
    webhook_dispatcher(boost::asio::io_context& ioc, tracker& t, std::vector<webhook_config> endpoints);
    ~webhook_dispatcher();

    void start();
    /// New alerts are in the log (called after each commit).
    void notify();
    void stop();

    /// GET /v1/webhooks: each endpoint's state.
    std::string status_json() const;
    /// GET /v1/webhooks/{name}/dead-letters; empty if there is no such endpoint.
    std::optional<std::string> dead_letters_json(std::string const& name) const;
    webhook_stats const& stats() const { return stats_; }

    /// The signature header value for a body: "sha256=" and the hex HMAC-SHA256.
    static std::string sign(std::string_view secret, std::string_view body);

private:
    struct endpoint;
    boost::asio::awaitable<void> run(endpoint& e);

    boost::asio::io_context& ioc_;
    tracker& tracker_;
    std::vector<std::unique_ptr<endpoint>> endpoints_;
    mutable std::mutex mutex_; // guards each endpoint's reported state and the dead letters
    std::vector<storage::dead_letter> dead_letters_;
    std::atomic<bool> stopped_{false};
    webhook_stats stats_;
};

} // namespace electd::daemon
