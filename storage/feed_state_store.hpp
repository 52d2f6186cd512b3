#pragma once
// Feed clients' positions (feed, key) -> value. Used by one thread at a time per connection.
#include "storage/sqlite.hpp"

#include <map>
#include <string>

namespace electd::storage {

struct feed_state_write {
    std::string feed;
    std::string key;
    std::string value;
};

/// feed -> key -> value
std::map<std::string, std::map<std::string, std::string>> load_feed_state(connection& db);
void save_feed_state(connection& db, feed_state_write const& w, std::int64_t now_ms);

} // namespace electd::storage
