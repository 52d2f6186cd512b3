#pragma once
// Where reference data comes from: a directory on disk in the documented CSV layout, or the
// 2024 data bundled into the binary.
#include "core/reference.hpp"
#include "feeds/reference_csv.hpp"
#include "storage/sqlite.hpp"

#include <memory>
#include <string>

namespace electd::daemon {

/// Files of a reference directory on disk, or of the bundled one.
feeds::file_source directory_files(std::string const& dir);
feeds::file_source bundled_files();

/// Throws feeds::reference_error naming the file and line on bad input.
std::shared_ptr<core::reference_data> read_reference_dir(std::string const& dir);
std::shared_ptr<core::reference_data> read_bundled_reference();
std::string bundled_short_name();

/// Loads the models/ of a reference directory into the database, skipping any model the
/// database already holds (an upload on the night is never overwritten by the files).
void load_models(storage::connection& db, feeds::file_source const& files, std::string const& source);

} // namespace electd::daemon
