#include "cli/commands.hpp"

#include <csignal>

int main(int argc, char** argv)
{
    // Past a file-size limit a write must fail with EFBIG (a storage error electd answers 503
    // for and survives), not kill the process with SIGXFSZ's default action.
    std::signal(SIGXFSZ, SIG_IGN);
    return electd::cli::run(argc, argv);
}
