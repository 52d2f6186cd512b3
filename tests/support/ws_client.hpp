#pragma once
// A WebSocket client for tests (Beast): a reader thread queues every message so a test can
// wait for the next one with a timeout. Not thread-safe beyond that.
#include <boost/json/value.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace electd::test {

class ws_client {
public:
    /// Connects to `target` on the daemon at `base_url` (http://host:port). A small
    /// `receive_buffer` (bytes) makes a client that stops reading back up quickly.
    ws_client(std::string const& base_url, std::string const& target = "/v1/stream", int receive_buffer = 0);
    ~ws_client();

    void send(std::string const& text);
    /// The next message, or nullopt if none comes within `timeout` (or the socket closed).
    std::optional<boost::json::value> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Messages until one of `type` arrives (returned), failing the test after `timeout`.
    boost::json::value next_of(std::string const& type, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Stops reading (the reader thread parks) so the server's queue backs up.
    void pause();
    void resume();
    /// After the server closed: its close code and reason.
    std::optional<std::pair<int, std::string>> close_reason(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void close();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace electd::test
