#pragma once
// Everything `electd serve` can be told: defaults here, then a TOML file (--config), then
// ELECTD_* environment variables, then the command line. Plain data.
#include "daemon/auth.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace electd::daemon {

/// A webhook endpoint: matching alerts are POSTed to it in order, signed, at least once.
struct webhook_config {
    std::string name;
    std::string url;                          // http:// or https://
    std::string secret;                       // HMAC-SHA256 key for X-Electd-Signature
    std::set<std::string> types;              // alert types; empty: all
    std::string min_severity = "info";
    std::set<std::string> regions, parties, constituencies;
    bool watchlist = false;
    int max_attempts = 8;                     // then the alert is dead-lettered and delivery moves on
    std::chrono::milliseconds timeout{10000}; // per attempt
    std::chrono::milliseconds backoff{1000};  // first retry; doubles up to max_backoff, with jitter
    std::chrono::milliseconds max_backoff{300000};
    std::string ca_file;                      // extra trusted CA (PEM) for https; empty: system CAs
    bool from_start = false;                  // a new endpoint gets the alerts already stored
};

/// A feed client: a drop folder, an HTTP poller or an upstream WebSocket ([[feeds]] tables;
/// the keys and defaults are in daemon/feed_clients.hpp).
struct feed_config {
    std::string type;                               // "drop", "poll" or "websocket"
    std::string name;
    std::string path;                               // drop: the folder
    std::string url;                                // poll: http(s)://; websocket: ws(s)://
    std::chrono::milliseconds settle{500};          // drop: a file written in place must stay unchanged this long
    std::chrono::milliseconds interval{2000};       // poll: between requests
    std::chrono::milliseconds timeout{10000};       // poll: per request; websocket: connect, and silence before a ping
    std::chrono::milliseconds backoff{0};           // first retry (0: poll's interval, websocket 500 ms, drop 1 s)
    std::chrono::milliseconds max_backoff{30000};
    std::chrono::seconds stall_after{300};          // poll: warn when nothing new arrives this long (0: never)
    std::string ca_file;                            // poll, websocket: extra trusted CA (PEM); empty: system CAs
};

struct server_config {
    std::string listen_host = "127.0.0.1";
    unsigned short listen_port = 8080;
    std::string db_path = "electd.db";
    std::optional<std::string> reference_dir; // default: the bundled 2024 data
    bool open_election = false;               // no reference data: seats and parties come from the feed
    bool rehearsal = false;                   // take PA Test_ data (refused by a live election)
    unsigned threads = 2;
    std::string log_level = "info";
    std::size_t max_body_bytes = 1 << 20;     // 1 MiB: a declaration is a few hundred bytes
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_connections = 4096;
    std::chrono::seconds read_timeout{30};    // a request must arrive whole within this
    std::chrono::seconds idle_timeout{120};   // keep-alive connections idle longer are closed
    std::chrono::seconds drain_timeout{10};   // SIGTERM: in-flight work gets this long
    std::string admin_token;                  // plain admin token (command line, environment); empty: none
    std::vector<token_config> tokens;         // [[tokens]]: hashed, with roles and rates
    bool open_reads = false;                  // reads need no token even when tokens are configured
    std::size_t max_connections_per_address = 2048; // above max_subscribers_per_address, so that one can be reached
    std::string tls_cert, tls_key;            // PEM files; both set: the listener speaks HTTPS only
    std::string log_format = "text";          // or "json": one object per line
    std::chrono::seconds ws_idle_timeout{30}; // a silent WebSocket peer is pinged, then dropped
    std::size_t max_ws_message = 64 * 1024;   // subscribe messages are small
    std::size_t max_subscribers = 20000;      // WebSocket + SSE, in total
    std::size_t max_subscribers_per_address = 2000;
    std::size_t max_queue = 4096;             // messages waiting per subscriber before it is closed
    std::chrono::seconds heartbeat{15};
    std::vector<webhook_config> webhooks;
    std::vector<feed_config> feeds;
};

} // namespace electd::daemon
