#pragma once
// Where reference data comes from: a directory on disk in the documented CSV layout, or the
// 2024 data bundled into the binary.
#include "core/reference.hpp"

#include <memory>
#include <string>

namespace electd::daemon {

/// Throws feeds::reference_error naming the file and line on bad input.
std::shared_ptr<core::reference_data> read_reference_dir(std::string const& dir);
std::shared_ptr<core::reference_data> read_bundled_reference();
std::string bundled_short_name();

} // namespace electd::daemon
