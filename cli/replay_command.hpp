#pragma once
// `electd replay`: sends a recorded night to a running daemon through its public API, in the
// order and (scaled) rhythm of the real declarations.
#include <optional>
#include <string>

namespace electd::cli {

struct replay_options {
    std::string url = "http://127.0.0.1:8080";
    double speed = 60;              // 60 = an hour of the night per minute
    bool fast = false;              // no waiting at all
    double max_wait = 0;            // cap on any single wait, seconds (0 = no cap)
    std::optional<std::string> night_dir; // default: the bundled 2024 night
    std::size_t limit = 0;          // stop after this many (0 = all)
    double retry_for = 30;          // keep retrying an unreachable daemon this long, seconds
    bool quiet = false;             // only the final summary
    std::string token;              // an ingest token, when the daemon asks for one
};

int run_replay(replay_options const& opt);

} // namespace electd::cli
