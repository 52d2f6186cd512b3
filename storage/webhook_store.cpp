#include "storage/webhook_store.hpp"

namespace electd::storage {

std::vector<webhook_cursor> load_webhook_cursors(connection& db)
{
    std::vector<webhook_cursor> out;
    statement q(db, "SELECT endpoint, delivered_seq, attempts, next_attempt_ms, last_status, last_error "
                    "FROM webhook_outbox ORDER BY endpoint");
    while (q.step()) {
        webhook_cursor c;
        c.endpoint = q.text(0);
        c.delivered_seq = q.int64(1);
        c.attempts = static_cast<int>(q.int64(2));
        c.next_attempt_ms = q.optional_int64(3);
        if (auto s = q.optional_int64(4))
            c.last_status = static_cast<int>(*s);
        c.last_error = q.text(5);
        out.push_back(std::move(c));
    }
    return out;
}

void save_webhook_cursor(connection& db, webhook_cursor const& c, std::int64_t now_ms)
{
    statement s(db, "INSERT INTO webhook_outbox (endpoint, delivered_seq, attempts, next_attempt_ms, last_status, "
                    "last_error, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (endpoint) DO UPDATE SET "
                    "delivered_seq = excluded.delivered_seq, attempts = excluded.attempts, "
                    "next_attempt_ms = excluded.next_attempt_ms, last_status = excluded.last_status, "
                    "last_error = excluded.last_error, updated_ms = excluded.updated_ms");
    s.bind(1, c.endpoint).bind(2, c.delivered_seq).bind(3, c.attempts).bind(4, c.next_attempt_ms);
    c.last_status ? s.bind(5, *c.last_status) : s.bind_null(5);
    c.last_error.empty() ? s.bind_null(6) : s.bind(6, c.last_error);
    s.bind(7, now_ms).run();
}

void add_dead_letter(connection& db, dead_letter const& d)
{
    statement s(db, "INSERT OR IGNORE INTO webhook_dead_letters (endpoint, alert_seq, attempts, last_error, dead_ms) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, d.endpoint).bind(2, d.alert_seq).bind(3, d.attempts).bind(4, d.last_error).bind(5, d.dead_ms).run();
}

std::vector<dead_letter> load_dead_letters(connection& db)
{
    std::vector<dead_letter> out;
    statement q(db, "SELECT endpoint, alert_seq, attempts, last_error, dead_ms FROM webhook_dead_letters ORDER BY id");
    while (q.step())
        out.push_back({q.text(0), q.int64(1), static_cast<int>(q.int64(2)), q.text(3), q.int64(4)});
    return out;
}

} // namespace electd::storage
