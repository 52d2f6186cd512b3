#pragma once
// The fan-out benchmark's client: N WebSocket subscribers on loopback (Beast, completion
// handlers, one io_context per client thread) and a publisher that sends rounds one at a time
// and times each message from just before its POST is written to its arrival at every
// subscriber. Not thread-safe: run_fanout drives its own threads and returns when they are done.
#include "bench/process_usage.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace electd::bench {

/// How a round's message is published, and so where its seq comes from.
enum class publisher_kind {
    electd,  // POST /v1/declarations; the seq is the gain/hold alert's in the 201 answer
    baseline // POST /publish with the message itself; the seq is read from the message
};

/// What one round POSTs.
struct round_post {
    std::string target; // "/v1/declarations" or "/publish"
    std::string body;
    std::string label;  // what it is (the seat), for messages
};

struct fanout_options {
    publisher_kind kind = publisher_kind::electd;
    std::string host = "127.0.0.1";
    std::string port = "8080";
    std::string stream_target = "/v1/stream?type=gain,hold"; // where subscribers connect
    std::optional<std::string> subscribe_message;            // sent after the handshake, if set
    std::size_t subscribers = 1000;
    std::size_t rounds = 50;          // rounds that raise a message; posts that raise none are skipped
    unsigned threads = 1;             // client threads, each with its own io_context
    std::size_t connect_window = 256; // handshakes in flight (all threads together)
    std::chrono::milliseconds interval{200};     // from one POST to the next, at least
    std::chrono::milliseconds gap{20};           // after a round's last arrival, at least
    std::chrono::milliseconds round_timeout{5000};
    std::chrono::milliseconds settle{1000};      // after the last snapshot, before the idle RSS
    std::optional<int> server_pid;               // for RSS and CPU figures
};

/// One round: a message published and its arrivals.
struct round_record {
    std::string label;
    std::int64_t seq = 0;
    std::uint32_t answer_us = 0; // POST written -> its answer read
    std::uint32_t first_us = 0;  // POST written -> the first subscriber has the message
    std::uint32_t last_us = 0;   // ... the last one
    std::size_t received = 0;
    bool complete = false;       // every live subscriber had it before round_timeout
};

struct fanout_result {
    std::size_t requested = 0;
    std::size_t connected = 0;        // handshake done and first message (snapshot) received
    std::size_t connect_failures = 0;
    std::size_t dropped = 0;          // connections lost after they were ready
    std::string first_failure;        // the first connect or read error, for the log
    double connect_seconds = 0;
    std::optional<memory_usage> server_before; // before any subscriber connected
    std::optional<memory_usage> server_idle;   // all connected, `settle` later
    std::optional<memory_usage> server_end;    // after the rounds
    memory_usage client_idle{};

    std::vector<round_record> rounds;
    std::size_t skipped_posts = 0;    // answered without a message for the subscribers
    std::vector<std::string> post_errors;
    std::vector<std::uint32_t> latency_us; // every (subscriber, round) arrival, sorted
    std::vector<std::uint32_t> last_us;    // every round's last arrival, sorted
    std::uint64_t delivered = 0;           // arrivals of the rounds' messages
    std::uint64_t expected = 0;            // connected subscribers x rounds
    std::uint64_t other_messages = 0;      // anything else after the snapshot (heartbeats, ...)
    double message_bytes = 0;              // average size of the rounds' messages

    double window_seconds = 0;             // first POST to the last round's end
    std::optional<double> server_cpu_seconds;
    double client_cpu_seconds = 0;

    std::vector<std::string> captured;     // the rounds' messages as received, in round order

    /// Growth of the server's RSS per connected subscriber, in bytes.
    std::optional<double> idle_bytes_per_subscriber() const;
    /// Server and client CPU per delivered message, in microseconds.
    std::optional<double> server_us_per_message() const;
    double client_us_per_message() const;
};

/// Nearest-rank quantile q (0..1) of sorted microseconds, in milliseconds.
double quantile_ms(std::vector<std::uint32_t> const& sorted_us, double q);

/// The seq of an alert message as electd sends it ({"type":"alert","seq":N,...}), if it is one.
std::optional<std::int64_t> alert_seq(std::string_view message);

/// Connects the subscribers, waits for every snapshot, runs the rounds from `posts` in order.
/// Throws if the server cannot be reached at all.
fanout_result run_fanout(fanout_options const& opt, std::vector<round_post> const& posts);

} // namespace electd::bench
