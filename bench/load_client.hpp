#pragma once
// The HTTP side of the ingest benchmark: C keep-alive connections on loopback, each owning a
// disjoint set of seats and POSTing increasing revisions of them, one request in flight.
// Not thread-safe: run_load drives its own threads and returns when they are done.
#include "bench/workload.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace electd::bench {

struct load_options {
    std::string host = "127.0.0.1";
    std::string port = "8080";
    std::size_t connections = 64;
    double seconds = 10;                 // measured window, unless `count` is set
    std::optional<std::uint64_t> count;  // stop after this many measured requests
    double warmup = 1;                   // seconds of load before measuring
    unsigned threads = 1;                // client threads (each runs an io_context)
    std::optional<int> server_pid;       // for RSS and CPU figures
};

/// One server thread over the measured window, from /proc/PID/task/TID/schedstat.
struct thread_usage {
    int tid = 0;
    double running = 0; // seconds on a CPU
    double waiting = 0; // seconds runnable but waiting for a CPU
};

/// The tracker's own counters over the measured window, from the daemon's GET /metrics.
struct tracker_window {
    double declarations = 0; // requests the tracker processed
    double batches = 0;      // transactions committed
    double busy_seconds = 0; // processing batches
    double commit_seconds = 0;
    double analysis_seconds = 0;

    double average_batch() const { return batches > 0 ? declarations / batches : 0; }
};

struct load_result {
    double seconds = 0;                        // the measured window
    std::uint64_t created = 0;                 // 201s completed inside the window
    std::uint64_t created_total = 0;           // 201s including warm-up and stragglers
    std::map<int, std::uint64_t> non_created;  // status -> count, inside the window
    std::uint64_t io_errors = 0;               // failed connects/reads/writes (whole run)
    std::vector<std::uint32_t> latency_us;     // every measured request, sorted
    std::vector<std::uint64_t> per_second;     // 201s per second of the window
    double client_cpu_seconds = 0;             // this process, during the window
    std::optional<double> server_cpu_seconds;  // the server, during the window
    std::optional<std::uint64_t> server_rss_kib;
    std::optional<std::uint64_t> server_peak_rss_kib;
    std::vector<thread_usage> server_threads;  // busiest first
    std::optional<tracker_window> tracker;     // when the daemon serves /metrics

    double rate() const { return seconds > 0 ? static_cast<double>(created) / seconds : 0; }
    std::uint64_t non_created_total() const;
    /// Latency at quantile q (0..1), in milliseconds.
    double latency_ms(double q) const;
};

/// Asks the server for each seat's stored revision (0 if none), so a run continues above it.
std::vector<int> stored_revisions(load_options const& opt, workload const& w);

/// Runs the load. Throws if the server cannot be reached at all.
load_result run_load(load_options const& opt, workload const& w, std::vector<int> const& stored);

/// VmRSS and VmHWM of a process, in KiB.
std::optional<std::pair<std::uint64_t, std::uint64_t>> process_rss_kib(int pid);

} // namespace electd::bench
