#include "storage/migrations.hpp"

#include "embed/embedded.hpp"

#include "support/log.hpp"

#include <algorithm>
#include <string>

namespace electd::storage {
namespace {

struct migration {
    int number;
    std::string_view name;
    std::string_view sql;
};

std::vector<migration> embedded_migrations()
{
    std::vector<migration> out;
    for (auto path : embedded::list("schema/")) {
        if (!path.ends_with(".sql"))
            continue;
        auto name = path.substr(7);
        int number = 0;
        for (char c : name.substr(0, name.find('_'))) {
            if (c < '0' || c > '9')
                break;
            number = number * 10 + (c - '0');
        }
        if (number > 0)
            out.push_back({number, name, *embedded::find(path)});
    }
    std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return a.number < b.number; });
    return out;
}

constexpr char const* create_migrations_table = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
))sql";

} // namespace

void configure_writer(connection& db)
{
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");
    db.exec("PRAGMA foreign_keys=ON");
    // Checkpoints happen in the writer's commit path; keep the WAL from growing without bound.
    db.exec("PRAGMA wal_autocheckpoint=4000");
}

int latest_schema_version()
{
    auto all = embedded_migrations();
    return all.empty() ? 0 : all.back().number;
}

int migrate(connection& db)
{
    configure_writer(db);
    db.exec(create_migrations_table);
    int current = 0;
    {
        statement q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
        if (q.step())
            current = static_cast<int>(q.int64(0));
    }
    int applied = 0;
    auto all = embedded_migrations();
    if (!all.empty() && current > all.back().number)
        throw sqlite_error(SQLITE_ERROR, "the database '" + db.path() + "' has schema version " + std::to_string(current)
                                             + ", newer than this electd understands ("
                                             + std::to_string(all.back().number) + "); use a newer electd");
    for (auto const& m : all) {
        if (m.number <= current)
            continue;
        transaction tx(db);
        db.exec(m.sql);
        statement ins(db, "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)");
        ins.bind(1, m.number).bind(2, m.name).run();
        tx.commit();
        module_logger("storage")->info("applied schema migration {}", m.name);
        ++applied;
    }
    return applied;
}

} // namespace electd::storage
