#include "core/reference.hpp"

namespace electd::core {

seat_index reference_data::add_constituency(constituency c, baseline b)
{
    auto i = static_cast<seat_index>(constituencies_.size());
    by_ons_.emplace(c.ons_code, i);
    if (c.pa_number > 0)
        by_pa_.emplace(c.pa_number, i);
    constituencies_.push_back(std::move(c));
    baselines_.push_back(std::move(b));
    return i;
}

std::optional<seat_index> reference_data::find_ons(std::string_view ons_code) const
{
    if (auto it = by_ons_.find(std::string(ons_code)); it != by_ons_.end())
        return it->second;
    return std::nullopt;
}

std::optional<seat_index> reference_data::find_pa(int pa_number) const
{
    if (auto it = by_pa_.find(pa_number); it != by_pa_.end())
        return it->second;
    return std::nullopt;
}

} // namespace electd::core
