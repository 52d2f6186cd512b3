#pragma once
// An HTTP answer whose body may be shared with a snapshot (no copy for hot endpoints).
#include "daemon/snapshot.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

#include <string>
#include <utility>
#include <vector>

namespace electd::daemon {

struct reply {
    boost::beast::http::status status = boost::beast::http::status::ok;
    shared_text body;
    std::string content_type = "application/json";
    std::vector<std::pair<boost::beast::http::field, std::string>> headers;
    std::vector<std::pair<std::string, std::string>> custom_headers; // names Beast has no enum for
};

reply json_reply(boost::beast::http::status status, std::string body);
reply shared_json_reply(shared_text body);
/// {"error": code, "message": message} with the given status.
reply error_reply(boost::beast::http::status status, std::string_view code, std::string_view message);

} // namespace electd::daemon
