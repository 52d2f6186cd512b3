#pragma once
// PA Media's election XML (FEEDS.md): FirstPastThePostResult, FirstPastThePostRush,
// FirstPastThePostStateOfParties and Recount. Pure parsing: bytes in, a typed message out, with
// PA's own names and numbers; mapping them to electd's reference data happens later, elsewhere.
// Thread-safe (no shared state).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace electd::feeds {

struct pa_party {
    std::string abbreviation, name;
    std::optional<std::int64_t> pa_id;
};

struct pa_candidate {
    std::string first_name, surname, ballot_name; // as given; may be empty
    std::optional<std::int64_t> pa_id;
    pa_party party;
    std::optional<std::int64_t> votes;        // absent in a rush
    std::optional<double> share, share_change; // percentageShare / percentageShareChange
    bool elected = false;                      // elected="*"
    bool previous_sitting_member = false;      // previousSittingMember present ("*" or "+")
    std::string sex;                           // PreviousElection candidates carry it
};

struct pa_constituency {
    int number = 0;
    std::string name;
    std::optional<std::int64_t> electorate, turnout, majority;
    std::optional<double> percentage_turnout, percentage_majority, swing;
    // result: winningParty/sittingParty; rush: winningPartyAbbreviation/sittingPartyAbbreviation
    std::string winning_party, sitting_party, gain_or_hold;
    std::string pa_style_text; // rush: paStyleMessageText
    std::vector<pa_candidate> candidates;

    // Also sent by PA, kept so nothing is lost: a swing means nothing without its direction.
    std::optional<double> percentage_change_turnout, percentage_change_majority, percentage_boundary_change;
    std::string swing_to, swing_from;                   // party abbreviations
    std::string winning_party_name, sitting_party_name; // rush only
    std::optional<bool> change;                         // rush: change="true|false"
};

struct pa_election {
    std::string name, date, type;
};

/// FirstPastThePostResult and FirstPastThePostRush.
struct pa_result {
    bool rush = false;
    int revision = 1;
    std::optional<std::string> declaration_time; // declarationTime attribute, as written
    pa_election election;
    pa_constituency constituency;
    // <PreviousElection>. PA may send several (the last general election, then a by-election
    // since): the first is kept, the one PA's gain/hold and swing compare with. `previous` is
    // absent when it has no Constituency.
    std::optional<pa_election> previous_election;
    std::optional<pa_constituency> previous;
    // <PreviousNotionalElection> (after boundary changes): party totals only, so each
    // candidate has a party and votes but no name.
    std::optional<pa_election> previous_notional_election;
    std::optional<pa_constituency> previous_notional;
};

struct pa_sop_party {
    pa_party party;
    int seats = 0, gains = 0, losses = 0;
    std::int64_t votes = 0;
    std::optional<double> share, share_change;
    std::optional<int> forecast_seats;
};

/// FirstPastThePostStateOfParties. PA omits zero counts: they read as 0.
struct pa_state_of_parties {
    int number_of_results = 0, total_constituencies = 0;
    std::int64_t total_votes = 0;
    std::string forecast_winning_party, note;
    std::optional<int> forecast_majority;
    pa_election election;
    std::vector<pa_sop_party> parties;
    std::vector<std::pair<int, std::string>> constituencies; // ConstituenciesIncluded: number, name
};

struct pa_recount {
    int revision = 1;
    pa_election election;
    int number = 0;
    std::string name;
    std::optional<std::string> declaration_time;
};

using pa_message = std::variant<pa_result, pa_state_of_parties, pa_recount>;

struct pa_parse_result {
    std::optional<pa_message> message; // set when error is empty
    std::string error;                 // why the file was rejected
    std::vector<std::string> warnings; // unknown elements/attributes, which are ignored (at most a few)
};

inline constexpr std::size_t pa_max_bytes = 4 * 1024 * 1024;
inline constexpr std::size_t pa_max_candidates = 200;       // per constituency
inline constexpr std::size_t pa_max_parties = 1000;         // per state of parties
inline constexpr std::size_t pa_max_constituencies = 5000;  // ConstituenciesIncluded
inline constexpr std::size_t pa_max_warnings = 5;
// Bounds on figures, so that sums of them cannot overflow later: a count (votes, electorate)
// beyond 10^12 or a percentage beyond +-1000 is a garbled figure, not news.
inline constexpr std::int64_t pa_max_count = 1'000'000'000'000;
inline constexpr int pa_max_small = 1'000'000; // revisions, seat numbers, seat counts
inline constexpr double pa_max_percentage = 1000;

pa_parse_result parse_pa_xml(std::string_view bytes);

/// What a PA file name says, e.g. "Test_Snap_General_Election_result_Derby_North_2.xml":
/// test data (a "Test_" prefix), the kind ("result", "rush", "recount" or "SOP"), the election
/// and constituency parts as written ("Snap_General_Election", "Derby_North"; no constituency
/// for an SOP) and the revision or number of results suffix, when there is one.
struct pa_file_name {
    bool test = false;
    std::string kind;
    std::optional<int> number;
    std::string election, constituency;
};

/// Nullopt when the name does not follow PA's pattern (e.g. ".timestamp"). A directory part
/// is ignored.
std::optional<pa_file_name> parse_pa_file_name(std::string_view file_name);

} // namespace electd::feeds
