#pragma once
// Reference data in the database: applied once per data version, read back at every start so
// the database, not the binary, is the record of what the night was measured against.
#include "core/reference.hpp"
#include "storage/sqlite.hpp"

#include <memory>
#include <optional>
#include <string>

namespace electd::storage {

enum class reference_outcome { loaded, upgraded, already_current };

/// Applies `ref` unless the database already holds this data version or a newer one. Refuses
/// (throws std::runtime_error) a different election than the one the database holds, or a
/// version that drops a seat which already has declarations. Parties first named by a feed on
/// the night are kept.
reference_outcome save_reference(connection& db, core::reference_data const& ref, std::string const& source);

/// The reference data held by the database, with parties registered on the night; nullptr if
/// none has been loaded yet.
std::shared_ptr<core::reference_data> load_reference(connection& db);

/// The (short_name, data_version) the database holds, if any.
std::optional<std::pair<std::string, int>> stored_reference_version(connection& db);

/// Records a seat first named by a feed in an election run without reference data, with its
/// baseline (inside the caller's transaction).
void insert_feed_constituency(connection& db, core::reference_data const& ref, core::seat_index i);

/// Creates the election record of an election run without reference data ("open"), if the
/// database has none. Throws if it holds another election.
void ensure_open_election(connection& db, std::string const& name);

/// Replaces the stored seats to watch with `ref`'s (inside the caller's transaction).
void save_watchlist(connection& db, core::reference_data const& ref);

/// Records a party first named by a feed (inside the caller's transaction).
void insert_feed_party(connection& db, core::party const& p, core::party_id position, std::int64_t registered_at_ms);

} // namespace electd::storage
