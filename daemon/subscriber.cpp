#include "daemon/subscriber.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace electd::daemon {
namespace asio = boost::asio;

char const* to_string(stream_kind k)
{
    switch (k) {
    case stream_kind::alert: return "alert";
    case stream_kind::result: return "result";
    case stream_kind::totals: return "totals";
    case stream_kind::heartbeat: return "heartbeat";
    case stream_kind::snapshot: return "snapshot";
    case stream_kind::error: return "error";
    }
    return "alert";
}

subscriber::subscriber(asio::any_io_executor ex, std::string address, std::size_t max_queue)
    : address_(std::move(address)), max_queue_(max_queue), signal_(std::move(ex), 1)
{
}

subscriber::pushed subscriber::push(stream_item item)
{
    {
        std::lock_guard lock(mutex_);
        if (closing_)
            return pushed::queued;
        if (item.key >= 0) {
            // State, not events: replace the queued one for the same seat (or the totals).
            for (auto& queued : queue_) {
                if (queued.kind == item.kind && queued.key == item.key) {
                    queued = std::move(item);
                    return pushed::coalesced;
                }
            }
        }
        if (queue_.size() >= max_queue_)
            return pushed::overflow;
        queue_.push_back(std::move(item));
    }
    wake();
    return pushed::queued;
}

std::vector<stream_item> subscriber::take()
{
    std::lock_guard lock(mutex_);
    return std::exchange(queue_, {});
}

void subscriber::wake()
{
    // A full channel means the writer has a wake-up pending already.
    signal_.try_send(boost::system::error_code{});
}

asio::awaitable<void> subscriber::wait()
{
    co_await signal_.async_receive(asio::as_tuple(asio::use_awaitable));
}

void subscriber::subscribe(stream_filter f, std::optional<std::int64_t> since)
{
    {
        std::lock_guard lock(mutex_);
        filter_ = std::make_shared<stream_filter const>(std::move(f));
        resync_ = resync{filter_, since};
    }
    wake();
}

std::shared_ptr<stream_filter const> subscriber::filter() const
{
    std::lock_guard lock(mutex_);
    return filter_;
}

bool subscriber::take_resync_pending() const
{
    std::lock_guard lock(mutex_);
    return resync_.has_value();
}

std::optional<subscriber::resync> subscriber::take_resync()
{
    std::lock_guard lock(mutex_);
    return std::exchange(resync_, std::nullopt);
}

void subscriber::close(int code, std::string reason)
{
    {
        std::lock_guard lock(mutex_);
        if (closing_)
            return;
        closing_.emplace(code, std::move(reason));
    }
    wake();
}

std::optional<std::pair<int, std::string>> subscriber::closing() const
{
    std::lock_guard lock(mutex_);
    return closing_;
}

} // namespace electd::daemon
