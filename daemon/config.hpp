#pragma once
// The serve options in one table, read from a TOML file, ELECTD_* environment variables and
// the command line alike; `electd check-config` explains a file's mistakes by line.
#include "daemon/server_config.hpp"

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace electd::daemon {

/// A value that cannot be used; the message names where (file:line, variable or option).
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct option_spec {
    std::string key;  // in the TOML file: "server.listen"
    std::string cli;  // on the command line: "listen"; in the environment: ELECTD_LISTEN
    std::string help;
    std::function<void(server_config&, std::string const&)> set; // throws std::invalid_argument
    std::function<std::string(server_config const&)> show;
    bool flag = false; // a switch on the command line (--rehearsal), true/false elsewhere
};

/// Every serve option except the webhooks (which only the file can list).
std::vector<option_spec> const& serve_options();

/// ELECTD_LISTEN for "listen".
std::string environment_name(option_spec const& o);

/// Reads a TOML file over `cfg`. Unknown keys and bad values are errors with file and line.
void apply_config_file(std::string const& path, server_config& cfg);
/// Applies ELECTD_* variables from the environment.
void apply_environment(server_config& cfg);
/// Checks what only makes sense together (e.g. listening beyond loopback with no tokens).
void validate(server_config const& cfg);
/// The effective configuration as TOML, secrets redacted.
std::string describe(server_config const& cfg);

} // namespace electd::daemon
