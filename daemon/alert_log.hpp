#pragma once
// Every alert of the night in seq order, each already serialised, for the alerts API and the
// stream. Appended by the tracker after each commit; read concurrently by handlers.
// Thread-safe.
#include "core/alert.hpp"
#include "daemon/snapshot.hpp"

#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

namespace electd::daemon {

struct alert_entry {
    std::int64_t seq = 0;
    std::string type;
    core::severity level = core::severity::info;
    std::string constituency; // ONS code, empty when not about a seat
    std::string region;
    std::vector<std::string> parties;
    bool watchlist = false;   // about a seat on the watchlist
    shared_text json;
};

struct alert_filter {
    std::set<std::string> types;        // empty: all
    core::severity min_level = core::severity::info;
    std::set<std::string> regions;
    std::set<std::string> parties;
    std::set<std::string> constituencies;
    bool watchlist_only = false;
    bool matches(alert_entry const& e) const;
};

class alert_log {
public:
    void append(std::vector<std::shared_ptr<alert_entry const>> entries);
    std::int64_t last_seq() const;
    /// Up to `limit` alerts with seq > since that match, oldest first.
    std::vector<std::shared_ptr<alert_entry const>> after(std::int64_t since, alert_filter const& f,
                                                          std::size_t limit) const;

private:
    mutable std::shared_mutex mutex_;
    std::vector<std::shared_ptr<alert_entry const>> entries_; // entries_[i].seq == i + 1
};

} // namespace electd::daemon
