#pragma once
// Numbers as they are read on air. Pure.
#include <cstdint>
#include <string>

namespace electd::core {

/// 8915 -> "8,915"
std::string thousands(std::int64_t v);
/// 61 -> "61st", 12 -> "12th"
std::string ordinal(int n);

} // namespace electd::core
