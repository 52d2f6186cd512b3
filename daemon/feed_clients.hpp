#pragma once
// The feed clients the configuration names ([[feeds]]), wired to ingest: each message they
// receive goes through ingestor::submit with source "drop:NAME", "poll:NAME" or "ws:NAME" and
// the client's position (feed_state, feed = NAME) committed in the same transaction, so a
// restart resumes where it stopped and processes nothing twice. GET /v1/feeds shows their
// health. Thread-safe.
//
// Configuration (TOML; every table needs type and name, names are a-z 0-9 - _ and unique):
//
//   [[feeds]]                  # a folder PA (or anyone) puts one message per file into
//   type = "drop"
//   name = "pa"
//   path = "/srv/pa"           # required; subfolders are watched too ("test/..." is rehearsal data)
//   settle_ms = 500            # a file written in place is taken once its writer has closed it and
//                              # its size and mtime stayed unchanged this long; one renamed into
//                              # place is taken at once. Dotfiles, *.tmp, *.part and names other
//                              # than *.xml / *.json are ignored.
//   backoff_ms = 1000          # storage failing, or the folder missing: first retry, doubling
//   max_backoff_ms = 30000     # ... up to this (with jitter)
//
//   [[feeds]]                  # an HTTP(S) URL polled for a document or a directory listing
//   type = "poll"
//   name = "pa-http"
//   url = "https://feeds.example/pa/"   # required. application/json or application/xml (text/xml):
//                              # one document, taken when it changes; text/html or text/plain: a
//                              # listing whose *.xml / *.json links are each fetched once
//   interval_ms = 2000         # between polls; also the first backoff after an error
//   timeout_ms = 10000         # per request
//   max_backoff_ms = 30000     # errors (no answer, 5xx, 429) back off exponentially with jitter up to this
//   stall_after_s = 300        # nothing new for this long: a warning, and "stalled": true (0: never)
//   ca_file = ""               # extra trusted CA (PEM) for https; empty: the system's
//
//   [[feeds]]                  # a provider pushing declarations over a WebSocket
//   type = "websocket"
//   name = "provider"
//   url = "ws://127.0.0.1:9000/declarations"   # required; wss:// too
//   timeout_ms = 10000         # connect and handshake; silence before a ping (then a drop)
//   backoff_ms = 500           # reconnect after this, doubling with jitter ...
//   max_backoff_ms = 30000     # ... up to this
//   ca_file = ""               # for wss
//
// Upstream WebSocket protocol: after connecting, electd sends {"since": N}, N being the last
// sequence number it stored (0 at first). Each text message back is {"seq": N, "declaration":
// {...native JSON...}} (N increasing by one; N <= the stored one is skipped) or a bare native
// JSON declaration (no position; a repeat is answered as a duplicate by ingest).
//
// Positions kept in feed_state (feed = NAME): drop: one key per file (its path relative to the
// folder) -> "SIZE:SHA256" of the content processed (an identical rewrite is not processed
// again, a different one is); poll: "document" -> {"etag","last_modified","sha256"} or
// "file:NAME" -> "sha256:HEX" per listed file; websocket: "seq" -> N.
#include "daemon/ingest_api.hpp"
#include "daemon/router.hpp"
#include "daemon/server_config.hpp"
#include "daemon/tracker.hpp"
#include "feeds/feed_client.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <vector>

namespace electd::daemon {

class feed_clients {
public:
    /// Makes a client per feed from the positions the tracker loaded; a feed that cannot be made
    /// (a bad URL or CA file) is logged and shown in its health, and the others run.
    feed_clients(boost::asio::io_context& ioc, ingestor& in, tracker& t, std::vector<feed_config> const& feeds);
    ~feed_clients();

    void start();
    /// Stops every client at its next step (part of the SIGTERM drain).
    void stop();

    /// GET /v1/feeds.
    std::string status_json() const;
    /// Per-feed lines for GET /metrics (Prometheus text).
    void write_metrics(std::string& out) const;

    /// "drop:NAME", "poll:NAME" or "ws:NAME": the source ingest counts a feed's messages under.
    static std::string source_of(feed_config const& f);

private:
    struct entry {
        feed_config cfg;
        std::string source;
        std::unique_ptr<feeds::feed_client> client; // null if it could not be made
        std::string error;                          // why not
    };
    ingestor& ingest_;
    std::vector<entry> feeds_;
};

/// GET /v1/feeds.
void add_feed_routes(router& r, feed_clients const& f);

} // namespace electd::daemon
