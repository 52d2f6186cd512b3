#pragma once
// Parties and the aliases feeds use for them. A value type; not thread-safe to mutate,
// safe to share once const.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace electd::core {

using party_id = std::uint32_t;

struct party {
    std::string code;   // canonical abbreviation, e.g. "Lab", "RUK", "Spk"
    std::string name;   // "Labour"
    std::string colour; // "#E4003B"
    bool from_feed = false; // registered on the night because a feed named it
};

class party_table {
public:
    /// Adds a party and its code as an alias. The code must not already be an alias.
    party_id add(party p);

    /// Adds an alias (matched case-insensitively, surrounding spaces ignored).
    /// Returns false if the alias already names a different party.
    bool add_alias(std::string_view alias, party_id id);

    std::optional<party_id> find(std::string_view alias) const;
    std::optional<party_id> find_code(std::string_view code) const;

    party const& operator[](party_id id) const { return parties_[id]; }
    std::size_t size() const { return parties_.size(); }
    std::vector<party> const& all() const { return parties_; }
    std::vector<std::pair<std::string, party_id>> aliases() const;

    /// Case-folds and trims an alias the way lookups do.
    static std::string fold(std::string_view alias);

private:
    std::vector<party> parties_;
    std::unordered_map<std::string, party_id> aliases_;
    std::unordered_map<std::string, party_id> codes_;
};

} // namespace electd::core
