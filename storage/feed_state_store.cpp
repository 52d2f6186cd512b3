#include "storage/feed_state_store.hpp"

namespace electd::storage {

std::map<std::string, std::map<std::string, std::string>> load_feed_state(connection& db)
{
    std::map<std::string, std::map<std::string, std::string>> out;
    statement q(db, "SELECT feed, key, value FROM feed_state");
    while (q.step())
        out[q.text(0)][q.text(1)] = q.text(2);
    return out;
}

void save_feed_state(connection& db, feed_state_write const& w, std::int64_t now_ms)
{
    statement s(db, "INSERT INTO feed_state (feed, key, value, updated_ms) VALUES (?1, ?2, ?3, ?4) "
                    "ON CONFLICT (feed, key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms");
    s.bind(1, w.feed).bind(2, w.key).bind(3, w.value).bind(4, now_ms).run();
}

} // namespace electd::storage
