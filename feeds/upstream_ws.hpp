#pragma once
// The upstream WebSocket client: a provider pushes declarations over ws:// or wss://.
//
// Protocol. After the handshake the client sends one text message, {"since": N}, where N is
// the last sequence number it has stored (0 at first): the provider sends what came after N,
// then new declarations as they come. Each text message from the provider is either
// - an envelope {"seq": N, "declaration": {...native JSON declaration...}}: N increases by one
//   per message; it is committed with the declaration (the mark {key "seq", value N}), and an
//   envelope with N at or below the stored one is skipped (a provider replaying after a
//   reconnect); or
// - a bare native JSON declaration, with no position: ingest's idempotence (the same revision
//   twice is a duplicate) is all that protects it from repetition.
// Binary messages are ignored. When the connection drops (or never opens, or goes silent: it is
// pinged after `timeout` of silence and closed if the ping is not answered), the client
// reconnects after an exponential backoff with jitter, from `backoff` up to `max_backoff`, and
// asks again with {"since": N}. If storage is unavailable, the same message is offered again
// after a pause, and reading waits (the provider's buffer holds the rest).
#include "feeds/feed_client.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace electd::feeds {

struct upstream_ws_config {
    std::string name;
    std::string url;     // ws://host:port/path or wss://...
    std::string ca_file; // extra trusted CA (PEM) for wss
    std::chrono::milliseconds backoff{500};
    std::chrono::milliseconds max_backoff{30000};
    std::chrono::milliseconds timeout{10000}; // connect and handshake; silence before a ping
};

/// Thread-safe (see feed_client).
class upstream_ws : public feed_client {
public:
    /// `state`: the stored marks ("seq" -> the last sequence number). Throws
    /// std::invalid_argument for a URL that is not ws(s)://, or an unreadable CA file.
    upstream_ws(boost::asio::any_io_executor ex, upstream_ws_config cfg, std::map<std::string, std::string> state,
                submit_fn submit);
    ~upstream_ws() override;

    void start() override;
    void stop() override;
    feed_status status() const override;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace electd::feeds
