#pragma once
// The archive: the night rebuilt from the database, read-only, as it stood at any moment (by
// declaration time), so analysts can ask the morning after what the board looked like at 2 a.m.
// Safe while the daemon runs (WAL readers never block the writer).
#include "core/alert.hpp"
#include "core/election_state.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace electd::storage {

struct archived_night {
    std::shared_ptr<core::reference_data const> ref;
    std::unique_ptr<core::election_state> state;
    std::vector<core::alert> alerts;          // raised up to as_of, oldest first
    std::optional<core::timestamp> as_of;
};

/// Throws std::runtime_error if the file is not an electd database.
archived_night load_night(std::string const& db_path, std::optional<core::timestamp> as_of = std::nullopt);

struct archived_revision {
    std::int64_t seq = 0;
    core::declaration value;
    core::seat_result result;
    bool current = false;
    std::string source;
    std::int64_t received_at_ms = 0;
};

/// Every stored revision of a seat, in revision order, with the result each gave.
std::vector<archived_revision> seat_history(std::string const& db_path, std::string const& ons_code);

} // namespace electd::storage
