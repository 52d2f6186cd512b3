#pragma once
// The HTTP listener and its sessions: one coroutine per connection, on its own strand,
// reading requests with size and time limits and answering through the router.
// Thread-safe: start/stop may be called from any thread; counters are atomic.
#include "daemon/router.hpp"
#include "daemon/server_config.hpp"
#include "daemon/stream_sessions.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace boost::asio::ssl {
class context;
}

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace electd::daemon {

struct http_stats {
    std::atomic<std::uint64_t> connections_open{0};
    std::atomic<std::uint64_t> connections_total{0};
    std::atomic<std::uint64_t> connections_refused{0};             // over max_connections
    std::atomic<std::uint64_t> connections_refused_per_address{0}; // over max_connections_per_address
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::int64_t> in_flight{0}; // requests read but not yet answered
    std::atomic<std::uint64_t> tls_handshake_failures{0}; // incl. plain HTTP to the HTTPS port, and timeouts
};

class http_server {
public:
    /// With tls_cert and tls_key set, loads them (throwing std::runtime_error with the file and
    /// OpenSSL's reason if that fails) and speaks HTTPS only.
    http_server(boost::asio::io_context& ioc, server_config const& cfg, router const& routes);
    ~http_server();

    /// Binds and starts accepting; returns the bound endpoint (port 0 picks a free port).
    boost::asio::ip::tcp::endpoint start();
    /// Stops accepting; open connections finish their current request and close.
    void stop_accepting();
    /// Hands WebSocket and SSE requests to the push sessions.
    void set_streams(stream_context ctx) { streams_.emplace(ctx); }
    bool draining() const { return draining_; }
    /// "https" or "http", for the URL the listener is announced at.
    char const* scheme() const { return tls_ ? "https" : "http"; }
    http_stats const& stats() const { return stats_; }

private:
    boost::asio::awaitable<void> accept_loop();
    /// The TLS handshake if configured, then the session proper.
    boost::asio::awaitable<void> connection(boost::asio::ip::tcp::socket socket, std::uint64_t id, std::string address);
    /// A WebSocket or SSE request the session read, handed to the push sessions.
    struct stream_upgrade {
        http_request request;
        std::string id, method, target, token_name;
        std::chrono::steady_clock::time_point started;
    };
    /// One connection over beast::tcp_stream or tls_stream (daemon/tls.hpp): its requests,
    /// then, if one asks for a push stream, that stream until it closes.
    template <class Stream>
    boost::asio::awaitable<void> serve(Stream& stream, std::uint64_t id, std::string address);
    /// Answers requests until the connection closes, or returns a stream request still to serve.
    template <class Stream>
    boost::asio::awaitable<std::optional<stream_upgrade>> session(Stream& stream, std::uint64_t id,
                                                                  std::string address);
    /// Counts a connection from `address`; false (and nothing counted) when it has too many.
    bool admit(std::string const& address);
    void release(std::string const& address);

    boost::asio::io_context& ioc_;
    server_config const& cfg_;
    router const& routes_;
    std::unique_ptr<boost::asio::ssl::context> tls_; // null: plain HTTP
    boost::asio::ip::tcp::acceptor acceptor_;
    std::atomic<bool> draining_{false};
    std::optional<stream_context> streams_;
    http_stats stats_;
    std::mutex per_address_mutex_;
    std::map<std::string, std::size_t> per_address_;
};

} // namespace electd::daemon
