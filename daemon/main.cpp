#include "cli/commands.hpp"

int main(int argc, char** argv)
{
    return electd::cli::run(argc, argv);
}
