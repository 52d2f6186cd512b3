#include "daemon/reply.hpp"

#include "core/json_writer.hpp"

namespace electd::daemon {

reply json_reply(boost::beast::http::status status, std::string body)
{
    return reply{status, std::make_shared<std::string const>(std::move(body))};
}

reply shared_json_reply(shared_text body)
{
    return reply{boost::beast::http::status::ok, std::move(body)};
}

reply error_reply(boost::beast::http::status status, std::string_view code, std::string_view message)
{
    std::string out;
    core::json_writer w(out);
    w.begin_object().field("error", code).field("message", message).end_object();
    return json_reply(status, std::move(out));
}

} // namespace electd::daemon
