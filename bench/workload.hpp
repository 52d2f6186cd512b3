#pragma once
// What the ingest benchmark sends: the 650 seats of the real 2024 night (bundled), each as an
// endless series of revisions whose figures differ slightly, so every one is a new stored row.
// Thread-safe after construction (const).
#include "feeds/night_file.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace electd::bench {

class workload {
public:
    /// Reads data/ge2024/night/ from the binary.
    workload();

    std::size_t seat_count() const { return night_.size(); }
    std::string const& ons_code(std::size_t seat) const { return night_[seat].ons_code; }
    feeds::night_declaration const& declaration(std::size_t seat) const { return night_[seat]; }

    /// The native JSON for `revision` of `seat`: the real figures, with the winner's votes
    /// nudged by (revision - 1) % 7 so that consecutive revisions differ but the result holds.
    std::string body(std::size_t seat, int revision) const;

private:
    std::vector<feeds::night_declaration> night_;
    std::vector<std::size_t> winner_; // index of the top candidate, per seat
};

} // namespace electd::bench
