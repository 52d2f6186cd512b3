#pragma once
// Appending declaration revisions (the writer's side) and reading them back in ingest order
// (to rebuild the election at start-up). Used by one thread at a time per connection.
#include "core/election_state.hpp"
#include "storage/sqlite.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace electd::storage {

struct revision_row {
    std::int64_t seq = 0;
    core::declaration const* value = nullptr;
    std::string_view declared_at_text;
    core::seat_result const* result = nullptr;
    std::string_view analysis_json; // empty: none
    std::string_view payload;
    std::string_view content_type;
    std::string_view source;
    std::int64_t received_at_ms = 0;
};

class declaration_writer {
public:
    explicit declaration_writer(connection& db);
    /// Inserts one revision and its candidates (inside the caller's transaction).
    void append(revision_row const& row, core::reference_data const& ref);

private:
    statement insert_declaration_;
    statement insert_candidate_;
};

struct stored_revision {
    std::int64_t seq = 0;
    core::declaration value;
    std::int64_t received_at_ms = 0;
};

/// Calls `fn` for every stored revision, in seq order. Throws if a row names a seat or party the
/// reference data does not hold (the database would be inconsistent).
void for_each_revision(connection& db, core::reference_data const& ref,
                       std::function<void(stored_revision&&)> const& fn);

/// The highest seq stored (0 when empty).
std::int64_t last_declaration_seq(connection& db);

} // namespace electd::storage
