#include "daemon/alert_log.hpp"

#include <algorithm>
#include <mutex>

namespace electd::daemon {

bool alert_filter::matches(alert_entry const& e) const
{
    if (e.level < min_level)
        return false;
    if (!types.empty() && !types.count(e.type))
        return false;
    if (!regions.empty() && !regions.count(e.region))
        return false;
    if (!constituencies.empty() && !constituencies.count(e.constituency))
        return false;
    if (watchlist_only && !e.watchlist)
        return false;
    if (!parties.empty()
        && std::none_of(e.parties.begin(), e.parties.end(), [&](std::string const& p) { return parties.count(p) > 0; }))
        return false;
    return true;
}

void alert_log::append(std::vector<std::shared_ptr<alert_entry const>> entries)
{
    std::unique_lock lock(mutex_);
    for (auto& e : entries)
        entries_.push_back(std::move(e));
}

std::int64_t alert_log::last_seq() const
{
    std::shared_lock lock(mutex_);
    return entries_.empty() ? 0 : entries_.back()->seq;
}

std::vector<std::shared_ptr<alert_entry const>> alert_log::after(std::int64_t since, alert_filter const& f,
                                                                 std::size_t limit) const
{
    std::vector<std::shared_ptr<alert_entry const>> out;
    std::shared_lock lock(mutex_);
    // Sequence numbers are gap-free from 1, so seq N sits at index N - 1.
    auto start = static_cast<std::size_t>(std::clamp<std::int64_t>(since, 0, static_cast<std::int64_t>(entries_.size())));
    for (auto i = start; i < entries_.size() && out.size() < limit; ++i)
        if (f.matches(*entries_[i]))
            out.push_back(entries_[i]);
    return out;
}

} // namespace electd::daemon
