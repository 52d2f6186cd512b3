#include "core/text.hpp"

#include <cstdio>

namespace electd::core {

std::string thousands(std::int64_t v)
{
    // Built forwards rather than with insert(): GCC 12 -O2 raises a false -Wrestrict on insert.
    auto digits = std::to_string(v);
    std::string out;
    std::size_t first = digits[0] == '-' ? 1 : 0;
    out.append(digits, 0, first);
    for (std::size_t i = first; i < digits.size(); ++i) {
        if (i > first && (digits.size() - i) % 3 == 0)
            out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

std::string fixed(double v, int decimals)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string ordinal(int n)
{
    auto tens = n % 100;
    char const* suffix = "th";
    if (tens < 11 || tens > 13) {
        switch (n % 10) {
        case 1: suffix = "st"; break;
        case 2: suffix = "nd"; break;
        case 3: suffix = "rd"; break;
        default: break;
        }
    }
    return std::to_string(n) + suffix;
}

} // namespace electd::core
