#pragma once
// electd's native JSON declaration format (see schema/declaration.schema.json). Pure parsing:
// bytes in, a declaration_input and the problems found out. Thread-safe (no shared state).
#include "core/declaration.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace electd::feeds {

struct native_parse_result {
    core::declaration_input input;
    core::problem_list problems;          // well-formed JSON with wrong fields: answer 422
    std::optional<std::string> malformed; // not JSON at all: answer 400, with where it broke
    std::vector<std::string> warnings;    // e.g. fields electd does not know, which it ignores
};

inline constexpr std::size_t max_candidates = 200;
inline constexpr std::size_t max_text_length = 256;

native_parse_result parse_native_json(std::string_view body);

} // namespace electd::feeds
