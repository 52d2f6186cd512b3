#include "storage/maintenance.hpp"

#include "storage/sqlite.hpp"

#include <chrono>
#include <thread>

namespace electd::storage {

void backup(std::string const& from, std::string const& to, std::function<void(int, int)> const& progress)
{
    connection src(from, connection::mode::read_only);
    connection dst(to);
    sqlite3_backup* b = sqlite3_backup_init(dst.handle(), "main", src.handle(), "main");
    if (!b)
        throw_error(dst.handle(), sqlite3_errcode(dst.handle()), "cannot start the backup");
    int rc;
    do {
        rc = sqlite3_backup_step(b, 256);
        if (progress)
            progress(sqlite3_backup_pagecount(b) - sqlite3_backup_remaining(b), sqlite3_backup_pagecount(b));
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            std::this_thread::sleep_for(std::chrono::milliseconds(20)); // the writer holds a lock: let it finish
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        throw sqlite_error(rc, std::string("backup failed: ") + sqlite3_errstr(rc));
}

check_report check(std::string const& db_path)
{
    check_report r;
    connection db(db_path, connection::mode::read_only);
    auto scalar = [&](std::string const& sql) {
        statement q(db, sql);
        q.step();
        return q.int64(0);
    };
    {
        statement q(db, "PRAGMA integrity_check");
        while (q.step())
            if (q.text_view(0) != "ok")
                r.problems.push_back("integrity: " + q.text(0));
    }
    {
        statement q(db, "PRAGMA foreign_key_check");
        int n = 0;
        while (q.step())
            ++n;
        if (n)
            r.problems.push_back(std::to_string(n) + " rows break a foreign key");
    }
    auto sequence = [&](char const* table, char const* what) {
        auto count = scalar(std::string("SELECT COUNT(*) FROM ") + table);
        auto max = scalar(std::string("SELECT COALESCE(MAX(seq), 0) FROM ") + table);
        auto min = scalar(std::string("SELECT COALESCE(MIN(seq), 1) FROM ") + table);
        if (count != max || min != 1)
            r.problems.push_back(std::string(what) + ": " + std::to_string(count) + " rows but seq runs " +
                                 std::to_string(min) + ".." + std::to_string(max) + ": a gap");
        else
            r.facts.push_back(std::string(what) + ": " + std::to_string(count) + ", numbered 1.." + std::to_string(max) +
                              " without a gap");
    };
    sequence("declarations", "declarations");
    sequence("alerts", "alerts");
    auto dup = scalar("SELECT COUNT(*) FROM (SELECT constituency, revision, kind FROM declarations "
                      "GROUP BY 1, 2, 3 HAVING COUNT(*) > 1)");
    if (dup)
        r.problems.push_back(std::to_string(dup) + " revisions are stored more than once");
    auto orphans = scalar("SELECT COUNT(*) FROM alerts a WHERE declaration_seq IS NOT NULL AND NOT EXISTS "
                          "(SELECT 1 FROM declarations d WHERE d.seq = a.declaration_seq)");
    if (orphans)
        r.problems.push_back(std::to_string(orphans) + " alerts name a declaration that is not stored");
    auto candidates = scalar("SELECT COUNT(*) FROM declarations d WHERE NOT EXISTS "
                             "(SELECT 1 FROM declaration_candidates c WHERE c.seq = d.seq)");
    if (candidates)
        r.problems.push_back(std::to_string(candidates) + " declarations have no candidates stored");
    r.facts.push_back("seats declared: " + std::to_string(scalar("SELECT COUNT(DISTINCT constituency) FROM declarations")));
    r.facts.push_back("schema version: " + std::to_string(scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")));
    return r;
}

} // namespace electd::storage
