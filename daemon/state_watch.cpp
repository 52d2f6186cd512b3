#include "daemon/state_watch.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace electd::daemon {
namespace asio = boost::asio;

void state_watch::notify()
{
    ++generation_;
    std::list<std::shared_ptr<asio::steady_timer>> woken;
    {
        std::lock_guard lock(mutex_);
        woken.swap(waiters_);
    }
    // Cancelling a waiter's timer on its own executor ends its wait early.
    for (auto& t : woken)
        asio::post(t->get_executor(), [t] { t->cancel(); });
}

asio::awaitable<void> state_watch::wait(std::uint64_t seen, std::chrono::milliseconds timeout)
{
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
    timer->expires_after(timeout);
    std::list<std::shared_ptr<asio::steady_timer>>::iterator at;
    {
        std::lock_guard lock(mutex_);
        if (generation_ != seen)
            co_return; // published meanwhile
        at = waiters_.insert(waiters_.end(), timer);
    }
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    std::lock_guard lock(mutex_);
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) // still there after a timeout
        if (*it == timer) {
            waiters_.erase(it);
            break;
        }
}

} // namespace electd::daemon
