#pragma once
// RFC 3339 timestamps as declarations carry them ("2024-07-05T01:12:00+01:00"). Pure functions.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace electd::core {

using timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

struct zoned_time {
    timestamp utc;
    int offset_minutes = 0; // the offset the sender wrote, kept so we answer in their local time
};

/// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)`; a space may replace the `T`.
/// Returns nullopt for anything else, including impossible dates (2024-02-30).
std::optional<zoned_time> parse_rfc3339(std::string_view text);

/// Formats as `YYYY-MM-DDTHH:MM:SS[.fff]+HH:MM` in the given offset (`Z` for UTC when offset is 0
/// and `utc_as_z` is set).
std::string format_rfc3339(timestamp t, int offset_minutes = 0, bool utc_as_z = true);

/// Milliseconds since the Unix epoch, the form stored in SQLite.
inline std::int64_t to_unix_ms(timestamp t) { return t.time_since_epoch().count(); }
inline timestamp from_unix_ms(std::int64_t ms) { return timestamp(std::chrono::milliseconds(ms)); }

} // namespace electd::core
