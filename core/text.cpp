#include "core/text.hpp"

namespace electd::core {

std::string thousands(std::int64_t v)
{
    auto s = std::to_string(v < 0 ? -v : v);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
        s.insert(static_cast<std::size_t>(i), ",");
    return v < 0 ? "-" + s : s;
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
