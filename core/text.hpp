#pragma once
// Numbers as they are read on air. Pure.
#include <cstdint>
#include <string>

namespace electd::core {

/// 8915 -> "8,915"
std::string thousands(std::int64_t v);
/// 21.786, 2 -> "21.79"
std::string fixed(double v, int decimals = 1);
/// 61 -> "61st", 12 -> "12th"
std::string ordinal(int n);

} // namespace electd::core
