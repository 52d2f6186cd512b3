#pragma once
// SIGHUP: the configuration, tokens, forecast model files and seats to watch are read again
// and applied without dropping a connection. Settings that need a restart (the listener, the database,
// feeds, webhooks) are reported, not applied.
#include "daemon/auth.hpp"
#include "daemon/server_config.hpp"
#include "daemon/tracker.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>

namespace electd::daemon {

class reloader {
public:
    /// `reread` reads the configuration again, as at start (it throws config_error).
    reloader(tracker& t, authenticator& auth, server_config const& running, std::function<server_config()> reread);

    /// Runs one reload; logs what changed. Reloads are not overlapped (SIGHUP waits for it).
    boost::asio::awaitable<void> reload();
    std::uint64_t reloads() const { return reloads_; }

private:
    boost::asio::awaitable<int> reload_models(std::string const& dir);
    boost::asio::awaitable<void> reload_watchlist(std::string const& dir);

    tracker& tracker_;
    authenticator& auth_;
    server_config running_;
    std::function<server_config()> reread_;
    std::uint64_t reloads_ = 0;
};

} // namespace electd::daemon
