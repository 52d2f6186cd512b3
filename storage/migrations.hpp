#pragma once
// Brings a database's schema up to date from the numbered migrations in schema/ (embedded in
// the binary). Idempotent; each migration runs in its own transaction.
#include "storage/sqlite.hpp"

namespace electd::storage {

/// Sets the pragmas electd relies on (WAL, synchronous=FULL, foreign keys) and applies every
/// migration not yet recorded. Returns how many were applied.
int migrate(connection& db);

/// The pragmas for a connection that writes: WAL, synchronous=FULL so that a commit is on disk
/// before electd acknowledges it.
void configure_writer(connection& db);

/// Highest migration number the binary carries.
int latest_schema_version();

} // namespace electd::storage
