#include "tests/support/http_receiver.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>

namespace electd::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;

struct http_receiver::impl {
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::optional<ssl::context> ctx;
    mutable std::mutex mutex;
    mutable std::condition_variable cv;
    std::vector<request> received;
    responder respond = [](request const&) { return answer{}; };
    std::atomic<bool> stopping{false};
    std::thread thread;
    std::vector<std::thread> connections; // one thread per connection, so a kept-alive one blocks nothing
    std::vector<int> open_sockets;        // shut down on stop()

    template <class Stream>
    void serve(Stream& stream)
    {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            boost::system::error_code ec;
            http::read(stream, buffer, req, ec);
            if (ec)
                return;
            request r{std::string(req.method_string()), std::string(req.target()), req.body(), {}};
            for (auto const& f : req) {
                std::string name(f.name_string());
                for (auto& c : name)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                r.headers[name] = std::string(f.value());
            }
            answer a;
            {
                std::lock_guard lock(mutex);
                a = respond(r);
                received.push_back(r);
                cv.notify_all();
            }
            if (a.delay.count() > 0)
                std::this_thread::sleep_for(a.delay);
            if (a.hang_up)
                return;
            http::response<http::string_body> res{static_cast<http::status>(a.status), 11};
            res.set(http::field::content_type, "application/json");
            for (auto const& [k, v] : a.headers)
                res.set(k, v);
            res.body() = a.body;
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            http::write(stream, res, ec);
            if (ec || !req.keep_alive())
                return;
        }
    }
};

http_receiver::http_receiver(std::filesystem::path const& tls_dir, unsigned short port) : impl_(std::make_unique<impl>())
{
    auto& d = *impl_;
    if (!tls_dir.empty()) {
        d.ctx.emplace(ssl::context::tls_server);
        d.ctx->use_certificate_chain_file((tls_dir / "cert.pem").string());
        d.ctx->use_private_key_file((tls_dir / "key.pem").string(), ssl::context::pem);
    }
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    d.acceptor.open(ep.protocol());
    d.acceptor.set_option(asio::socket_base::reuse_address(true));
    d.acceptor.bind(ep);
    d.acceptor.listen();
    d.thread = std::thread([&d] {
        while (!d.stopping) {
            boost::system::error_code ec;
            tcp::socket socket(d.ioc);
            d.acceptor.accept(socket, ec);
            if (ec || d.stopping)
                return;
            std::lock_guard lock(d.mutex);
            d.open_sockets.push_back(socket.native_handle());
            d.connections.emplace_back([&d, socket = std::move(socket)]() mutable {
                int fd = socket.native_handle();
                auto forget = [&] { // before the socket closes, so stop() never touches a reused fd
                    std::lock_guard lock(d.mutex);
                    std::erase(d.open_sockets, fd);
                };
                boost::system::error_code hec;
                if (d.ctx) {
                    beast::ssl_stream<tcp::socket> stream(std::move(socket), *d.ctx);
                    stream.handshake(ssl::stream_base::server, hec);
                    if (!hec)
                        d.serve(stream);
                    forget();
                } else {
                    d.serve(socket);
                    forget();
                }
            });
        }
    });
}

http_receiver::~http_receiver()
{
    stop();
}

unsigned short http_receiver::port() const
{
    return impl_->acceptor.local_endpoint().port();
}

std::string http_receiver::url(std::string const& path) const
{
    return std::string(impl_->ctx ? "https" : "http") + "://localhost:" + std::to_string(port()) + path;
}

void http_receiver::respond_with(responder r)
{
    std::lock_guard lock(impl_->mutex);
    impl_->respond = std::move(r);
}

std::vector<http_receiver::request> http_receiver::received() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->received;
}

bool http_receiver::wait_for(std::size_t n, std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(impl_->mutex);
    return impl_->cv.wait_for(lock, timeout, [&] { return impl_->received.size() >= n; });
}

void http_receiver::stop()
{
    auto& d = *impl_;
    if (d.stopping.exchange(true))
        return;
    boost::system::error_code ec;
    // Wake the blocking accept with a connection of our own, then close.
    tcp::socket poke(d.ioc);
    poke.connect(d.acceptor.local_endpoint(), ec);
    if (d.thread.joinable())
        d.thread.join();
    d.acceptor.close(ec);
    {
        std::lock_guard lock(d.mutex);
        for (int fd : d.open_sockets)
            ::shutdown(fd, SHUT_RDWR); // ends blocked reads; each thread then closes its socket
    }
    for (auto& t : d.connections)
        if (t.joinable())
            t.join();
}

void make_test_certificate(std::filesystem::path const& dir)
{
    auto cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
               "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '"
               + (dir / "key.pem").string() + "' -out '" + (dir / "cert.pem").string() + "' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0)
        throw std::runtime_error("openssl could not make a test certificate");
}

} // namespace electd::test
