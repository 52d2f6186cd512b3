#pragma once
// Push connections: a WebSocket at /v1/stream and Server-Sent Events at /v1/events. Both
// send a snapshot, then the stored alerts after `since` (or Last-Event-ID), then live
// messages from the hub, with no gap and no duplicate.
#include "daemon/hub.hpp"
#include "daemon/router.hpp"
#include "daemon/server_config.hpp"
#include "daemon/tracker.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace electd::daemon {

struct stream_context {
    hub& h;
    tracker& t;
    server_config const& cfg;
};

/// True for requests the stream sessions take over (the WebSocket upgrade, the SSE GET).
bool is_stream_request(http_request const& req);

/// Serves the connection until it closes. `req` was read by the HTTP session; the stream
/// (beast::tcp_stream, or daemon/tls.hpp's tls_stream after its handshake) is lent, and must
/// outlive the returned awaitable (the session awaits it). Bad
/// parameters are answered with 400 before streaming starts. Returns the status answered
/// (101 for a WebSocket; 0 if its handshake failed), for the access log.
template <class Stream>
boost::asio::awaitable<unsigned> serve_stream(Stream& stream, http_request req, std::string address, stream_context ctx);

} // namespace electd::daemon
