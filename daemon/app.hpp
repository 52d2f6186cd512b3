#pragma once
// The electd process: opens and migrates the database, loads the reference data, starts the
// tracker and the HTTP server, and shuts them down in order on SIGTERM/SIGINT.
#include "daemon/server_config.hpp"

namespace electd::daemon {

/// The tokens the configuration grants: [[tokens]] and the plain admin token, hashed.
std::vector<token_config> auth_tokens(server_config const& cfg);

/// Runs until a termination signal; returns the process exit code.
int run_server(server_config const& cfg);

} // namespace electd::daemon
