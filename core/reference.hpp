#pragma once
// Everything known before the night: seats, parties, the notional baseline, seats to watch.
// Immutable once built; share it as std::shared_ptr<const reference_data> across threads.
#include "core/baseline.hpp"
#include "core/party.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace electd::core {

using seat_index = std::uint32_t;

struct constituency {
    std::string ons_code;
    int pa_number = 0; // 0 when unknown
    std::string name;
    std::string region;
    std::string nation;
    std::int64_t electorate = 0; // 0 when unknown
};

struct watch_entry {
    seat_index seat = 0;
    std::string note;
};

/// Someone whose defeat is news beyond being a sitting MP (a cabinet minister, a party leader).
struct notable {
    seat_index seat = 0;
    std::string name;
    std::string note; // "Defence Secretary"
    bool critical = false;
};

struct nomination {
    seat_index seat = 0;
    std::string name;
    party_id party = 0;
    bool sitting_mp = false;
};

struct election_info {
    std::string name;       // "UK general election 2024"
    std::string short_name; // "ge2024"
    std::string date;       // "2024-07-04"
    int data_version = 0;
    std::string baseline_name;
    int expected_seats = 0; // when seats are learnt from a feed: how many there will be
};

class reference_data {
public:
    election_info info;
    party_table parties;
    std::optional<party_id> others_lump; // the "Oth" bucket of the baseline, if any

    seat_index add_constituency(constituency c, baseline b = {});
    void add_watch(watch_entry w) { watchlist_.push_back(std::move(w)); }
    void set_watchlist(std::vector<watch_entry> w) { watchlist_ = std::move(w); }
    void add_nomination(nomination n) { nominations_.push_back(std::move(n)); }
    void add_bellwether(watch_entry w) { bellwethers_.push_back(std::move(w)); }
    void add_notable(notable n) { notables_.push_back(std::move(n)); }
    void set_baseline(seat_index seat, baseline b) { baselines_[seat] = std::move(b); }

    std::size_t seat_count() const { return constituencies_.size(); }
    constituency const& seat(seat_index i) const { return constituencies_[i]; }
    baseline const& baseline_of(seat_index i) const { return baselines_[i]; }
    std::vector<constituency> const& constituencies() const { return constituencies_; }
    std::optional<seat_index> find_ons(std::string_view ons_code) const;
    std::optional<seat_index> find_pa(int pa_number) const;
    std::vector<watch_entry> const& watchlist() const { return watchlist_; }
    std::vector<nomination> const& nominations() const { return nominations_; }
    std::vector<watch_entry> const& bellwethers() const { return bellwethers_; }
    std::vector<notable> const& notables() const { return notables_; }
    /// All seats: those known, or the number a feed announced if more.
    int total_seats() const { return std::max(static_cast<int>(constituencies_.size()), info.expected_seats); }
    /// Seats needed for an overall majority: more than half of all seats.
    int majority_line() const { return total_seats() / 2 + 1; }

private:
    std::vector<constituency> constituencies_;
    std::vector<baseline> baselines_;
    std::unordered_map<std::string, seat_index> by_ons_;
    std::unordered_map<int, seat_index> by_pa_;
    std::vector<watch_entry> watchlist_;
    std::vector<nomination> nominations_;
    std::vector<watch_entry> bellwethers_;
    std::vector<notable> notables_;
};

} // namespace electd::core
