#pragma once
// Test helpers that drive the real electd binary: temporary directories, a daemon started on
// port 0 with its log captured, and one-shot commands.
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace electd::test {

/// The electd binary under test (the environment's ELECTD_BIN, else the one CMake built) and
/// the repository root (set by CMake).
std::filesystem::path electd_binary();
std::filesystem::path source_dir();

class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(temp_dir const&) = delete;
    temp_dir& operator=(temp_dir const&) = delete;
    std::filesystem::path const& path() const { return path_; }
    std::filesystem::path operator/(std::string const& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

/// Polls `done` every 10 ms until it holds (true) or `timeout` passes (false).
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(15))
{
    auto until = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

struct command_result {
    int exit_code = -1;
    std::string output; // stdout and stderr together
};

/// Runs a shell command to completion; its stdout (add 2>&1 for stderr too).
std::string shell_output(std::string const& command);

/// Runs `electd ARGS...` to completion.
command_result run_electd(std::vector<std::string> const& args,
                          std::chrono::seconds timeout = std::chrono::seconds(300));

/// `electd serve --listen 127.0.0.1:0 --db DB ARGS...` (ARGS may give another --listen),
/// waiting until it listens.
class daemon_process {
public:
    /// `launcher`, if given, runs electd: its words come first (an absolute program path), then
    /// electd's own command line (e.g. unshare ... sh -c '...; exec "$0" "$@"').
    explicit daemon_process(std::filesystem::path db, std::vector<std::string> extra_args = {},
                            std::vector<std::string> launcher = {});
    ~daemon_process();
    daemon_process(daemon_process const&) = delete;
    daemon_process& operator=(daemon_process const&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    unsigned short port() const { return port_; }
    int pid() const { return pid_; }
    std::string log() const;
    bool running();

    /// SIGTERM, then waits; returns the exit status (or 128+signal).
    int terminate(std::chrono::seconds timeout = std::chrono::seconds(30));
    /// SIGKILL, then waits.
    void kill();

private:
    int wait_exit(std::chrono::milliseconds timeout);
    int pid_ = -1;
    unsigned short port_ = 0;
    std::filesystem::path log_path_;
    temp_dir log_dir_;
};

} // namespace electd::test
