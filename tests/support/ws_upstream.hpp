#pragma once
// A provider's WebSocket server for tests of electd's upstream client (Beast, blocking, on its
// own thread, one connection at a time): it records each connection's first message (the
// client's {"since": N}), sends what the test plans for that connection, then drops the
// connection or keeps it open until the client goes.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace electd::test {

class ws_upstream {
public:
    struct plan {
        std::vector<std::string> messages; // text messages to send, in order
        bool drop = true;                  // then drop the TCP connection (no close frame)
    };
    /// What to do on connection `index` (0, 1, ...), given the client's first message.
    using planner = std::function<plan(int index, std::string const& hello)>;

    /// Listens on 127.0.0.1, on a free port.
    explicit ws_upstream(planner p);
    ~ws_upstream();

    std::string url(std::string const& path = "/feed") const; // ws://127.0.0.1:PORT/path
    /// Each connection's first message, in order.
    std::vector<std::string> hellos() const;
    /// Waits until `n` connections have sent their first message.
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace electd::test
