#include "tests/support/process.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace electd::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path electd_binary()
{
    // ELECTD_BIN runs the same tests against another build of electd (scripts/test --tsan).
    if (char const* bin = std::getenv("ELECTD_BIN"); bin && *bin)
        return bin;
    return ELECTD_BINARY;
}

fs::path source_dir()
{
    return ELECTD_SOURCE_DIR;
}

temp_dir::temp_dir()
{
    std::random_device rd;
    auto base = fs::temp_directory_path();
    for (;;) {
        auto candidate = base / ("electd-test-" + std::to_string(rd()));
        if (fs::create_directory(candidate)) {
            path_ = candidate;
            return;
        }
    }
}

temp_dir::~temp_dir()
{
    std::error_code ec;
    fs::remove_all(path_, ec);
}

namespace {

std::string read_file(fs::path const& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// fork + exec with stdout and stderr sent to `log`.
int spawn(std::vector<std::string> const& args, fs::path const& log)
{
    std::vector<char*> argv;
    for (auto const& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

int decode(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

} // namespace

std::string shell_output(std::string const& command)
{
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
            out.append(buf, n);
        ::pclose(p);
    }
    return out;
}

command_result run_electd(std::vector<std::string> const& args, std::chrono::seconds timeout)
{
    temp_dir dir;
    auto log = dir / "output.log";
    std::vector<std::string> full{electd_binary().string()};
    full.insert(full.end(), args.begin(), args.end());
    int pid = spawn(full, log);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
        int r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return {-1, read_file(log) + "\n[timed out]"};
        }
        std::this_thread::sleep_for(10ms);
    }
    return {decode(status), read_file(log)};
}

daemon_process::daemon_process(fs::path db, std::vector<std::string> extra_args, std::vector<std::string> launcher)
{
    log_path_ = log_dir_ / "electd.log";
    std::vector<std::string> args = std::move(launcher);
    for (auto const& a : {electd_binary().string(), std::string("serve"), std::string("--db"), db.string()})
        args.push_back(a);
    if (std::find(extra_args.begin(), extra_args.end(), "--listen") == extra_args.end())
        args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = spawn(args, log_path_);
    // The daemon logs "listening on http://127.0.0.1:PORT" (https with TLS) once it accepts connections.
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto text = read_file(log_path_);
        // "listening on http://HOST:PORT": the port follows the URL's last colon.
        auto at = text.find("listening on http");
        auto line_end = at == std::string::npos ? std::string::npos : text.find('\n', at);
        if (line_end != std::string::npos) {
            auto start = text.rfind(':', line_end) + 1;
            auto end = text.find_first_not_of("0123456789", start);
            if (end != std::string::npos && end > start) {
                port_ = static_cast<unsigned short>(std::stoi(text.substr(start, end - start)));
                return;
            }
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("electd serve exited (" + std::to_string(decode(status)) + ") before listening:\n"
                                     + text);
        }
        std::this_thread::sleep_for(20ms);
    }
    kill();
    throw std::runtime_error("electd serve did not start listening within 60s:\n" + read_file(log_path_));
}

daemon_process::~daemon_process()
{
    try {
        if (pid_ > 0)
            terminate();
    } catch (std::exception const&) {
        // already killed; a test that cares checks terminate() itself
    }
}

std::string daemon_process::log() const
{
    return read_file(log_path_);
}

bool daemon_process::running()
{
    if (pid_ <= 0)
        return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

int daemon_process::wait_exit(std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return decode(status);
        }
        if (std::chrono::steady_clock::now() > deadline)
            return -1;
        std::this_thread::sleep_for(5ms);
    }
}

int daemon_process::terminate(std::chrono::seconds timeout)
{
    if (pid_ <= 0)
        return -1;
    ::kill(pid_, SIGTERM);
    int code = wait_exit(timeout);
    if (code == -1) {
        ::kill(pid_, SIGKILL);
        wait_exit(10s);
        throw std::runtime_error("electd did not stop within the SIGTERM timeout:\n" + log());
    }
    return code;
}

void daemon_process::kill()
{
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGKILL);
    wait_exit(30s);
}

} // namespace electd::test
