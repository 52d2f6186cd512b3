#pragma once
// Operations on a database file: an online backup (safe while the daemon writes) and a check
// of integrity and of electd's own invariants (gap-free sequences, one row per revision).
#include <functional>
#include <string>
#include <vector>

namespace electd::storage {

/// Copies `from` to `to` with SQLite's online backup, a few pages at a time so the writer is
/// never held up for long. `progress` is told pages done and total. Throws on failure.
void backup(std::string const& from, std::string const& to, std::function<void(int, int)> const& progress = {});

struct check_report {
    std::vector<std::string> problems; // empty: all is well
    std::vector<std::string> facts;    // what was checked, for the operator
};

/// PRAGMA integrity_check and foreign keys, then: declarations and alerts numbered 1..N with no
/// gap, each (seat, revision, kind) once, every alert's declaration present.
check_report check(std::string const& db_path);

} // namespace electd::storage
