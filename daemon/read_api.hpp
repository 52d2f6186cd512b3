#pragma once
// Read endpoints served from the tracker's latest snapshot: no locks, no SQLite. Every one
// answers with a strong ETag of the state's sequence number, 304 to a matching If-None-Match,
// and can be long-polled: ?wait=N holds a request whose If-None-Match (or since=SEQ) is
// current until the state changes or N seconds pass.
#include "daemon/router.hpp"
#include "daemon/tracker.hpp"

namespace electd::daemon {

using snapshot_handler = std::function<reply(route_match&, snapshot const&)>;

struct cache_rules {
    std::string cache_control = "public, max-age=1"; // a CDN in front may keep it a second
    bool since_is_state = true; // false where `since` means something else (alert paging)
};

/// Registers GET `pattern` with conditional requests and long-polling around `fn`.
void add_cached(router& r, tracker& t, std::string pattern, snapshot_handler fn, cache_rules rules = {});

void add_read_routes(router& r, tracker& t);

/// CSV is asked for with Accept: text/csv, or a path ending in .csv.
bool wants_csv(route_match const& m);

} // namespace electd::daemon
