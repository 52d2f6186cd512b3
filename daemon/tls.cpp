#include "daemon/tls.hpp"

#include "support/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace electd::daemon {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;

namespace {

// Mozilla's "intermediate" TLS 1.2 suites (ECDHE, AEAD only); TLS 1.3 keeps OpenSSL's defaults.
constexpr char const* tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The file's own problem first (missing, unreadable): OpenSSL's words for that are vague.
void check_readable(std::string const& what, std::string const& path)
{
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
        std::fclose(f);
        return;
    }
    throw std::runtime_error("TLS: cannot read the " + what + " '" + path + "': " + std::strerror(errno));
}

[[noreturn]] void fail(std::string const& what, std::string const& path, boost::system::error_code const& ec)
{
    ERR_clear_error(); // the reason is in `ec`; leave no stale errors for later calls
    throw std::runtime_error("TLS: cannot use the " + what + " '" + path + "': " + ec.message());
}

} // namespace

std::unique_ptr<ssl::context> make_server_tls(std::string const& cert_file, std::string const& key_file)
{
    check_readable("certificate chain", cert_file);
    check_readable("private key", key_file);
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3
                     | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression
                     | ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_options(ctx->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_cipher_list(ctx->native_handle(), tls12_ciphers);

    boost::system::error_code ec;
    ctx->use_certificate_chain_file(cert_file, ec);
    if (ec)
        fail("certificate chain", cert_file, ec);
    // OpenSSL checks the key against the certificate as it loads it ("key values mismatch").
    ctx->use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec)
        fail("private key", key_file, ec);
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
        ec.assign(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category());
        fail("private key", key_file, ec);
    }
    // An expired certificate is the operator's to fix, but refusing to start on the night would be worse.
    if (X509* leaf = SSL_CTX_get0_certificate(ctx->native_handle());
        leaf && X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0)
        module_logger("http")->warn("TLS: the certificate in '{}' has expired; clients will refuse it", cert_file);
    return ctx;
}

asio::awaitable<void> close_gracefully(beast::tcp_stream& stream)
{
    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    co_return;
}

asio::awaitable<void> close_gracefully(tls_stream& stream)
{
    // close_notify, then the peer's (or its hang-up); a peer that says nothing is given 2 s.
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

} // namespace electd::daemon
