#pragma once
// The electd process: opens and migrates the database, loads the reference data, starts the
// tracker and the HTTP server, and shuts them down in order on SIGTERM/SIGINT.
#include "daemon/server_config.hpp"

#include <functional>

namespace electd::daemon {

/// The tokens the configuration grants: [[tokens]] and the plain admin token, hashed.
std::vector<token_config> auth_tokens(server_config const& cfg);

/// Runs until a termination signal; returns the process exit code. SIGHUP calls `reread` for
/// the configuration as it now stands (see daemon/reload.hpp).
int run_server(server_config const& cfg, std::function<server_config()> reread);

} // namespace electd::daemon
