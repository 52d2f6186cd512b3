#pragma once
// GET /v1/archive/...: the night as it stood at any time, read from SQLite off the network
// threads (a small pool of its own), in JSON or CSV.
#include "daemon/router.hpp"
#include "daemon/server_config.hpp"

#include <boost/asio/thread_pool.hpp>

namespace electd::daemon {

void add_archive_routes(router& r, server_config const& cfg, boost::asio::thread_pool& pool);

} // namespace electd::daemon
