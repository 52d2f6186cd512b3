#pragma once
// Read-only files compiled into the binary (migrations, bundled data). Thread-safe.
#include <optional>
#include <string_view>
#include <vector>

namespace electd::embedded {

/// The file at `path` (relative to the repository root, e.g. "schema/0001_init.sql").
std::optional<std::string_view> find(std::string_view path) noexcept;

/// Every embedded path that starts with `prefix`, sorted.
std::vector<std::string_view> list(std::string_view prefix);

} // namespace electd::embedded
