#pragma once
// A recorded election night (data/ge2024/night/): every seat's declaration with its time and
// figures, in the order they were declared. The source of `electd replay` and of the tests.
#include "core/time.hpp"
#include "feeds/reference_csv.hpp"

#include <string>
#include <vector>

namespace electd::feeds {

struct night_candidate {
    std::string name;
    std::string party;
    std::int64_t votes = 0;
};

struct night_declaration {
    std::string ons_code;
    std::string declared_at; // as recorded, RFC 3339 with offset
    core::timestamp at;
    std::optional<std::int64_t> electorate;
    std::optional<std::int64_t> invalid_votes;
    std::vector<night_candidate> candidates;

    /// The declaration as electd's native JSON (what `electd replay` POSTs).
    std::string to_native_json(int revision = 1) const;
};

/// Reads declarations.csv and candidates.csv; sorted by time, then ONS code.
std::vector<night_declaration> read_night(file_source const& files);

} // namespace electd::feeds
