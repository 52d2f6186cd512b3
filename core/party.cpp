#include "core/party.hpp"

#include <algorithm>

namespace electd::core {

std::string party_table::fold(std::string_view alias)
{
    while (!alias.empty() && (alias.front() == ' ' || alias.front() == '\t'))
        alias.remove_prefix(1);
    while (!alias.empty() && (alias.back() == ' ' || alias.back() == '\t'))
        alias.remove_suffix(1);
    std::string out;
    out.reserve(alias.size());
    bool space = false;
    for (char c : alias) {
        if (c == ' ' || c == '\t') { // "Lib  Dem" and "Lib Dem" are one alias
            space = true;
            continue;
        }
        if (space)
            out += ' ';
        space = false;
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

party_id party_table::add(party p)
{
    auto id = static_cast<party_id>(parties_.size());
    codes_.emplace(p.code, id);
    aliases_.emplace(fold(p.code), id);
    parties_.push_back(std::move(p));
    return id;
}

bool party_table::add_alias(std::string_view alias, party_id id)
{
    auto [it, inserted] = aliases_.emplace(fold(alias), id);
    return inserted || it->second == id;
}

std::optional<party_id> party_table::find(std::string_view alias) const
{
    if (auto it = codes_.find(std::string(alias)); it != codes_.end())
        return it->second;
    if (auto it = aliases_.find(fold(alias)); it != aliases_.end())
        return it->second;
    return std::nullopt;
}

std::optional<party_id> party_table::find_code(std::string_view code) const
{
    if (auto it = codes_.find(std::string(code)); it != codes_.end())
        return it->second;
    return std::nullopt;
}

std::vector<std::pair<std::string, party_id>> party_table::aliases() const
{
    std::vector<std::pair<std::string, party_id>> out(aliases_.begin(), aliases_.end());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace electd::core
