#include "tests/support/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <stdexcept>

namespace electd::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

struct ws_client::impl {
    asio::io_context ioc;
    websocket::stream<tcp::socket> ws{ioc};
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::string> messages;
    bool closed = false;
    bool paused = false;
    std::optional<std::pair<int, std::string>> reason;
    std::thread reader;
};

ws_client::ws_client(std::string const& base_url, std::string const& target, int receive_buffer)
    : impl_(std::make_unique<impl>())
{
    auto u = boost::urls::parse_uri(base_url);
    if (!u)
        throw std::invalid_argument("bad url " + base_url);
    std::string host(u->host()), port(u->port());
    tcp::resolver resolver(impl_->ioc);
    auto& sock = impl_->ws.next_layer();
    sock.open(tcp::v4());
    if (receive_buffer > 0)
        sock.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    asio::connect(sock, resolver.resolve(host, port));
    impl_->ws.handshake(host + ":" + port, target);
    impl_->reader = std::thread([i = impl_.get()] {
        for (;;) {
            {
                std::unique_lock lock(i->mutex);
                i->cv.wait(lock, [&] { return !i->paused || i->closed; });
                if (i->closed)
                    return;
            }
            beast::flat_buffer buffer;
            boost::system::error_code ec;
            i->ws.read(buffer, ec);
            std::lock_guard lock(i->mutex);
            if (ec) {
                i->closed = true;
                if (ec == websocket::error::closed)
                    i->reason.emplace(i->ws.reason().code, std::string(i->ws.reason().reason.data(), i->ws.reason().reason.size()));
                i->cv.notify_all();
                return;
            }
            i->messages.push_back(beast::buffers_to_string(buffer.data()));
            i->cv.notify_all();
        }
    });
}

ws_client::~ws_client()
{
    close();
}

void ws_client::send(std::string const& text)
{
    impl_->ws.write(asio::buffer(text));
}

std::optional<boost::json::value> ws_client::next(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(impl_->mutex);
    if (!impl_->cv.wait_for(lock, timeout, [&] { return !impl_->messages.empty() || impl_->closed; }))
        return std::nullopt;
    if (impl_->messages.empty())
        return std::nullopt;
    auto text = std::move(impl_->messages.front());
    impl_->messages.pop_front();
    return boost::json::parse(text);
}

boost::json::value ws_client::next_of(std::string const& type, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw std::runtime_error("no '" + type + "' message in time");
        auto m = next(left);
        if (!m)
            throw std::runtime_error("no '" + type + "' message in time (or the server closed)");
        if (m->at("type").as_string() == type)
            return *m;
    }
}

void ws_client::pause()
{
    std::lock_guard lock(impl_->mutex);
    impl_->paused = true;
}

void ws_client::resume()
{
    std::lock_guard lock(impl_->mutex);
    impl_->paused = false;
    impl_->cv.notify_all();
}

std::optional<std::pair<int, std::string>> ws_client::close_reason(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(impl_->mutex);
    impl_->cv.wait_for(lock, timeout, [&] { return impl_->closed; });
    return impl_->reason;
}

void ws_client::close()
{
    if (!impl_ || !impl_->reader.joinable())
        return;
    {
        std::lock_guard lock(impl_->mutex);
        if (!impl_->closed) {
            // Wakes the reader's blocking read; the socket is closed once it has stopped.
            boost::system::error_code ec;
            impl_->ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
        }
        impl_->closed = true;
        impl_->paused = false;
        impl_->cv.notify_all();
    }
    impl_->reader.join();
    boost::system::error_code ec;
    impl_->ws.next_layer().close(ec);
}

} // namespace electd::test
