#pragma once
// A declaration as a feed delivers it (declaration_input, fields as sent) and as electd holds it
// once checked against the reference data (declaration). Value types.
#include "core/reference.hpp"
#include "core/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace electd::core {

/// One thing wrong with an input, named by its JSON-style path ("candidates[2].votes").
struct problem {
    std::string field;
    std::string message;
};
using problem_list = std::vector<problem>;

enum class declaration_kind { result, rush };

struct candidate_input {
    std::optional<std::string> name;
    std::optional<std::string> party;
    std::optional<std::int64_t> votes;
    bool elected = false;
};

/// Fields as the feed sent them. A parser leaves a field empty when it is absent or when it has
/// already reported it as malformed, so later checks do not report it twice.
struct declaration_input {
    std::optional<std::string> constituency;
    std::optional<int> pa_number; // PA feeds name seats by number instead
    int revision = 1;
    std::optional<std::string> declared_at;
    std::optional<std::int64_t> electorate;
    std::optional<std::int64_t> invalid_votes;
    std::vector<candidate_input> candidates;
    bool candidates_present = false; // the field was there (maybe empty, maybe malformed)
    declaration_kind kind = declaration_kind::result;
};

struct candidate {
    std::string name;
    party_id party = 0;
    std::int64_t votes = 0;
    bool elected = false;
};

struct declaration {
    seat_index seat = 0;
    int revision = 1;
    zoned_time declared_at;
    std::optional<std::int64_t> electorate;
    std::optional<std::int64_t> invalid_votes;
    std::vector<candidate> candidates;
    declaration_kind kind = declaration_kind::result;
};

/// The outcome of checking an input against the reference data.
struct checked_declaration {
    std::optional<declaration> value; // set when `problems` is empty
    problem_list problems;
    std::vector<std::string> new_parties; // party labels the reference does not know, in order
    std::vector<std::string> warnings;
};

/// Checks everything that can be checked without the stored history: the seat exists, the
/// date parses, candidates are named, votes add up within the electorate, nobody appears twice.
/// Unknown party labels are not errors: they are listed in `new_parties` and the caller
/// registers them before applying (minor parties appear on the night).
checked_declaration check_declaration(declaration_input const& in, reference_data const& ref);

/// A stable text form of a declaration, equal for two sends that mean the same thing
/// (candidate order, whitespace and party alias do not matter). Used for idempotency.
std::string canonical_form(declaration const& d, reference_data const& ref);

} // namespace electd::core
