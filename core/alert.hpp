#pragma once
// Alerts: what a producer must hear about, each with a gap-free global sequence number that
// storage assigns in the same transaction as the declaration that caused it. Value types.
#include "core/reference.hpp"
#include "core/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace electd::core {

enum class severity { info, low, medium, high, critical };

char const* to_string(severity s);
std::optional<severity> severity_from(std::string_view s);

/// The alert types electd raises (the `type` field).
namespace alert_type {
inline constexpr char const* gain = "gain";
inline constexpr char const* hold = "hold";
inline constexpr char const* exit_poll_upset = "exit_poll_upset";
inline constexpr char const* projection_miss = "projection_miss";
inline constexpr char const* watchlist = "watchlist";
inline constexpr char const* bellwether = "bellwether";
inline constexpr char const* target = "target";
inline constexpr char const* notable_defeat = "notable_defeat";
inline constexpr char const* first_seat = "first_seat";
inline constexpr char const* majority = "majority";
inline constexpr char const* recount = "recount";
inline constexpr char const* correction = "correction";
inline constexpr char const* retraction = "retraction";
inline constexpr char const* record = "record";
inline constexpr char const* milestone = "milestone";
inline constexpr char const* exit_poll = "exit_poll";
inline constexpr char const* rush = "rush";
inline constexpr char const* sop_mismatch = "sop_mismatch";
inline constexpr char const* feed_stalled = "feed_stalled";
inline constexpr char const* feed_resumed = "feed_resumed";
} // namespace alert_type

struct alert {
    std::int64_t seq = 0;       // set when stored
    std::string type;
    severity level = severity::info;
    std::optional<seat_index> seat;
    std::vector<party_id> parties;
    std::string text;           // one line for air
    zoned_time at;              // when it happened on the night (the declaration time)
    std::string data;           // a JSON object with the facts behind it
    std::int64_t declaration_seq = 0; // the declaration that caused it, 0 if none
    std::optional<std::int64_t> retracts; // for a retraction: the seq of the alert withdrawn
};

} // namespace electd::core
