#pragma once
// Archive questions by name, shared by GET /v1/archive/... and `electd query`, so both give
// the same answers: totals, seats, gains, closest, swings, turnout, regions, alerts, history.
#include "core/table.hpp"
#include "daemon/stream_filter.hpp"
#include "storage/archive.hpp"

#include <optional>
#include <string>

namespace electd::daemon {

struct archive_params {
    std::optional<core::timestamp> as_of;
    std::size_t n = 20;
    bool highest = true;       // turnout order
    std::string party, region; // gains filters
    alert_filter alerts;       // alerts filters
    std::string constituency;  // history
};

/// The query names, for help text and errors.
std::vector<std::string> const& archive_queries();

/// Runs a query against the database. Throws std::invalid_argument for an unknown query or
/// constituency, std::runtime_error for a file that is not an electd database.
core::table run_archive_query(std::string const& what, std::string const& db_path, archive_params const& p);

/// The state of the parties as it stood, in the shape of GET /v1/totals (plus "as_of").
std::string archive_totals_json(std::string const& db_path, std::optional<core::timestamp> as_of);

} // namespace electd::daemon
