#pragma once
// Forecast models in the database: saved whole when loaded or uploaded, read back at start-up.
// Used by one thread at a time per connection.
#include "core/model.hpp"
#include "storage/sqlite.hpp"

#include <memory>
#include <string>
#include <vector>

namespace electd::storage {

/// Replaces the model of that name (inside the caller's transaction) and logs the load.
void save_model(connection& db, core::model const& m, core::reference_data const& ref, std::string const& source,
                std::string_view payload, std::int64_t loaded_at_ms);

/// Every stored model, in the order they were first loaded.
std::vector<std::shared_ptr<core::model>> load_models(connection& db, core::reference_data const& ref);

} // namespace electd::storage
