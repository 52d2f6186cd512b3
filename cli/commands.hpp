#pragma once
// The `electd` command line: one function per subcommand, each parsing its own options.
#include <string>
#include <vector>

namespace electd::cli {

/// Entry point for `electd ARGS...`; returns the exit code.
int run(int argc, char** argv);

} // namespace electd::cli
