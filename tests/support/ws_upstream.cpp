#include "tests/support/ws_upstream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <sys/socket.h>
#include <thread>

namespace electd::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

struct ws_upstream::impl {
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc};
    planner plan_for;
    mutable std::mutex mutex;
    mutable std::condition_variable cv;
    std::vector<std::string> hellos;
    std::atomic<bool> stopping{false};
    int open_socket = -1; // the connection being served, shut down on stop()
    std::thread thread;

    void serve(tcp::socket& socket, int index)
    {
        boost::system::error_code ec;
        websocket::stream<tcp::socket&> ws(socket);
        ws.accept(ec);
        if (ec)
            return;
        beast::flat_buffer buffer;
        ws.read(buffer, ec); // the client's {"since": N}
        if (ec)
            return;
        auto hello = beast::buffers_to_string(buffer.data());
        auto p = plan_for(index, hello);
        {
            std::lock_guard lock(mutex);
            hellos.push_back(hello);
            cv.notify_all();
        }
        ws.text(true);
        for (auto const& m : p.messages) {
            ws.write(asio::buffer(m), ec);
            if (ec)
                return;
        }
        if (p.drop) {
            // Gone without a close frame, as a provider's crash or a network cut looks.
            socket.shutdown(tcp::socket::shutdown_both, ec);
            return;
        }
        for (;;) { // open until the client goes (or stop())
            buffer.clear();
            ws.read(buffer, ec);
            if (ec)
                return;
        }
    }
};

ws_upstream::ws_upstream(planner p) : impl_(std::make_unique<impl>())
{
    auto& d = *impl_;
    d.plan_for = std::move(p);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    d.acceptor.open(ep.protocol());
    d.acceptor.set_option(asio::socket_base::reuse_address(true));
    d.acceptor.bind(ep);
    d.acceptor.listen();
    d.thread = std::thread([&d] {
        for (int index = 0; !d.stopping; ++index) {
            boost::system::error_code ec;
            tcp::socket socket(d.ioc);
            d.acceptor.accept(socket, ec);
            if (ec || d.stopping)
                return;
            {
                std::lock_guard lock(d.mutex);
                d.open_socket = socket.native_handle();
            }
            d.serve(socket, index);
            std::lock_guard lock(d.mutex);
            d.open_socket = -1; // before the socket closes, so stop() never touches a reused descriptor
        }
    });
}

ws_upstream::~ws_upstream()
{
    stop();
}

std::string ws_upstream::url(std::string const& path) const
{
    return "ws://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port()) + path;
}

std::vector<std::string> ws_upstream::hellos() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->hellos;
}

bool ws_upstream::wait_for(std::size_t n, std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(impl_->mutex);
    return impl_->cv.wait_for(lock, timeout, [&] { return impl_->hellos.size() >= n; });
}

void ws_upstream::stop()
{
    auto& d = *impl_;
    if (d.stopping.exchange(true))
        return;
    {
        std::lock_guard lock(d.mutex);
        if (d.open_socket >= 0)
            ::shutdown(d.open_socket, SHUT_RDWR); // ends a blocked read
    }
    boost::system::error_code ec;
    tcp::socket poke(d.ioc); // wakes a blocked accept
    poke.connect(d.acceptor.local_endpoint(), ec);
    if (d.thread.joinable())
        d.thread.join();
    d.acceptor.close(ec);
}

} // namespace electd::test
