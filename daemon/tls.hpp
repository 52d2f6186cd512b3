#pragma once
// TLS on the listener, for deployments without a reverse proxy: the server context made from
// the configured certificate chain and key, and the polite end of a connection over either
// stream type the sessions are written for. Stateless; the context is read-only once made.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <memory>
#include <string>

namespace electd::daemon {

using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

/// A TLS 1.2+ server context (no compression, the server's cipher order) holding the PEM chain
/// and key. Throws std::runtime_error naming the file and OpenSSL's reason when either cannot
/// be read, or the key does not match the certificate.
std::unique_ptr<boost::asio::ssl::context> make_server_tls(std::string const& cert_file, std::string const& key_file);

/// Ends a connection politely: TCP half-closes; TLS sends close_notify and waits briefly for
/// the peer's, so a vanished client cannot hold the slot.
boost::asio::awaitable<void> close_gracefully(boost::beast::tcp_stream& stream);
boost::asio::awaitable<void> close_gracefully(tls_stream& stream);

} // namespace electd::daemon
