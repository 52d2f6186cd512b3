#include "core/alert.hpp"

namespace electd::core {

char const* to_string(severity s)
{
    switch (s) {
    case severity::info: return "info";
    case severity::low: return "low";
    case severity::medium: return "medium";
    case severity::high: return "high";
    case severity::critical: return "critical";
    }
    return "info";
}

std::optional<severity> severity_from(std::string_view s)
{
    for (auto v : {severity::info, severity::low, severity::medium, severity::high, severity::critical})
        if (s == to_string(v))
            return v;
    return std::nullopt;
}

} // namespace electd::core
