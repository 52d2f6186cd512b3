#pragma once
// What a process costs, read from /proc: CPU time and resident memory, of the server under test
// (by pid) and of this process. Linux only. Free functions, thread-safe.
#include <cstdint>
#include <optional>

namespace electd::bench {

/// utime + stime of a process, in seconds (/proc/PID/stat).
std::optional<double> cpu_seconds_of(int pid);

/// utime + stime of this process, every thread, in seconds.
double cpu_seconds_self();

struct memory_usage {
    std::uint64_t rss_kib = 0;  // VmRSS
    std::uint64_t peak_kib = 0; // VmHWM
};

/// VmRSS and VmHWM of a process (/proc/PID/status).
std::optional<memory_usage> memory_of(int pid);

/// Raises this process's soft RLIMIT_NOFILE to its hard limit; returns the new soft limit.
std::uint64_t raise_open_file_limit();

} // namespace electd::bench
