#pragma once
// Long-poll support: requests wait here until the tracker publishes a newer state, or time out.
// Thread-safe: notify() from the tracker, wait() from any connection.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>

namespace electd::daemon {

class state_watch {
public:
    /// A newer state was published: wakes every waiter.
    void notify();
    /// Returns when a state newer than `seen` (a value of generation()) is published, or after
    /// `timeout`, whichever is first.
    boost::asio::awaitable<void> wait(std::uint64_t seen, std::chrono::milliseconds timeout);
    std::uint64_t generation() const { return generation_; }

private:
    std::atomic<std::uint64_t> generation_{0};
    std::mutex mutex_;
    std::list<std::shared_ptr<boost::asio::steady_timer>> waiters_;
};

} // namespace electd::daemon
