#pragma once
// A small HTTP(S) server for tests of electd's outgoing requests (webhooks, pollers): it
// records what it receives and answers as told. One connection at a time, on its own thread.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace electd::test {

class http_receiver {
public:
    struct request {
        std::string method, target, body;
        std::map<std::string, std::string> headers; // lower-case names
    };
    struct answer {
        int status = 200;
        std::string body = "{}";
        std::vector<std::pair<std::string, std::string>> headers;
        std::chrono::milliseconds delay{0};
        bool hang_up = false; // close the connection without answering
    };
    using responder = std::function<answer(request const&)>;

    /// Listens on 127.0.0.1, on `port` (0: a free one). With `tls_dir`, serves HTTPS using
    /// cert.pem and key.pem made there for localhost (see make_test_certificate).
    explicit http_receiver(std::filesystem::path const& tls_dir = {}, unsigned short port = 0);
    ~http_receiver();

    unsigned short port() const;
    std::string url(std::string const& path = "/hook") const; // http(s)://localhost:PORT/path
    void respond_with(responder r);
    std::vector<request> received() const;
    /// Waits until at least `n` requests have arrived.
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Writes a self-signed certificate and key for localhost and 127.0.0.1 into `dir` (openssl).
void make_test_certificate(std::filesystem::path const& dir);

} // namespace electd::test
