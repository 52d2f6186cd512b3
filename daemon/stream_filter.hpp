#pragma once
// What a subscriber (alerts API, WebSocket, SSE, webhook) asks for, read from a query string
// or a subscribe message. Value type.
#include "daemon/alert_log.hpp"
#include "daemon/query.hpp"

#include <boost/json/object.hpp>

namespace electd::daemon {

struct stream_filter {
    bool alerts = true;  // message kinds
    bool results = true;
    bool totals = true;
    alert_filter alert;  // alert types, severity and the seat filters (regions, parties, ...)

    /// A seat's result update, by the seat's facts and the parties it concerns.
    bool wants_result(std::string const& ons, std::string const& region, bool watched,
                      std::vector<std::string> const& parties) const;
};

/// Alert types electd raises (validates `type=` lists).
bool is_alert_type(std::string_view t);

/// `type` (alert types, and for streams the kinds alert/result/totals), `min_severity`,
/// `region`, `party`, `constituency`, `watchlist`. Throws bad_parameter naming the problem.
stream_filter filter_from_query(query_params const& q, bool kinds_allowed);

/// The `subscribe` object of a WebSocket message: the same fields, as JSON arrays
/// ("types", "regions", "parties", "constituencies") and values ("min_severity", "watchlist").
stream_filter filter_from_json(boost::json::object const& o);

} // namespace electd::daemon
