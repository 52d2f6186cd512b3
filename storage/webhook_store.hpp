#pragma once
// Webhook delivery state: each endpoint's cursor into the alerts table, and its dead letters.
// Used by one thread at a time per connection (the writer).
#include "storage/sqlite.hpp"

#include <optional>
#include <string>
#include <vector>

namespace electd::storage {

struct webhook_cursor {
    std::string endpoint;
    std::int64_t delivered_seq = 0;  // every matching alert up to here was acknowledged (or dead-lettered)
    int attempts = 0;                // failed attempts at the next one
    std::optional<std::int64_t> next_attempt_ms;
    std::optional<int> last_status;
    std::string last_error;
};

struct dead_letter {
    std::string endpoint;
    std::int64_t alert_seq = 0;
    int attempts = 0;
    std::string last_error;
    std::int64_t dead_ms = 0;
};

std::vector<webhook_cursor> load_webhook_cursors(connection& db);
void save_webhook_cursor(connection& db, webhook_cursor const& c, std::int64_t now_ms);
void add_dead_letter(connection& db, dead_letter const& d);
std::vector<dead_letter> load_dead_letters(connection& db);

} // namespace electd::storage
