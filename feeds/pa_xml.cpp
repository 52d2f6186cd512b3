#include "feeds/pa_xml.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <set>

namespace electd::feeds {
namespace {

using names = std::initializer_list<std::string_view>;

constexpr std::string_view result_root = "FirstPastThePostResult";
constexpr std::string_view rush_root = "FirstPastThePostRush";
constexpr std::string_view sop_root = "FirstPastThePostStateOfParties";
constexpr std::string_view recount_root = "Recount";
// No recount file has been seen; this spelling follows PA's naming of the other three.
constexpr std::string_view recount_root_alt = "FirstPastThePostRecount";

// ---- text ----------------------------------------------------------------------------------

bool valid_utf8(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07;
        } else {
            return false;
        }
        if (s.size() - i < len)
            return false;
        for (std::size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
        static constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

// Feed text quoted in a message: short, with control bytes (and any byte of invalid UTF-8)
// escaped, so an error is safe to log and to put in JSON.
std::string printable(std::string_view s, std::size_t max = 40)
{
    bool const utf8 = valid_utf8(s);
    std::string out;
    std::size_t n = std::min(s.size(), max);
    if (utf8) // do not cut a character in two
        while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
            --n;
    for (std::size_t i = 0; i < n; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F || c == '"' || c == '\\' || (c >= 0x80 && !utf8)) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    if (n < s.size())
        out += "...";
    return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s)
{
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

// PA writes changes with a sign ("+9.32"); from_chars takes only '-'.
std::string_view drop_plus(std::string_view s)
{
    if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+')
        s.remove_prefix(1);
    return s;
}

enum class number_status { ok, not_a_number, out_of_range };

number_status to_integer(std::string_view s, std::int64_t& v)
{
    s = drop_plus(trim(s));
    if (s.empty())
        return number_status::not_a_number;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range && end == s.data() + s.size())
        return number_status::out_of_range;
    if (ec != std::errc() || end != s.data() + s.size())
        return number_status::not_a_number;
    return number_status::ok;
}

number_status to_decimal(std::string_view s, double& v)
{
    s = drop_plus(trim(s));
    if (s.empty())
        return number_status::not_a_number;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
    if (ec == std::errc::result_out_of_range && end == s.data() + s.size())
        return number_status::out_of_range;
    if (ec != std::errc() || end != s.data() + s.size())
        return number_status::not_a_number;
    return std::isfinite(v) ? number_status::ok : number_status::not_a_number; // "inf", "nan"
}

std::string locate(std::string_view bytes, std::size_t offset)
{
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < offset && i < bytes.size(); ++i) {
        if (bytes[i] == '\n')
            line = line + 1, col = 1;
        else
            ++col;
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col) + " (byte " +
           std::to_string(offset) + ")";
}

// "a/b[2]/c" -> "a/b/c": warnings are about a kind of element, not each one.
std::string strip_indices(std::string_view path)
{
    std::string out;
    bool skipping = false;
    for (char c : path) {
        if (c == '[')
            skipping = true;
        else if (c == ']')
            skipping = false;
        else if (!skipping)
            out += c;
    }
    return out;
}

bool contains(names list, std::string_view s) { return std::find(list.begin(), list.end(), s) != list.end(); }

// ---- reading -------------------------------------------------------------------------------

/// What one parse has found so far. The first error decides the answer; parsing carries on
/// harmlessly after it, which keeps every reader free of early returns.
struct context {
    std::string error;
    std::vector<std::string> warnings;
    std::set<std::string> warned; // keys already seen, reported or not
    std::size_t unreported = 0;

    void fail(std::string const& path, std::string const& what)
    {
        if (error.empty())
            error = path + ": " + what;
    }

    void warn(std::string key, std::string text)
    {
        if (!warned.insert(std::move(key)).second)
            return;
        if (warnings.size() >= pa_max_warnings)
            ++unreported;
        else
            warnings.push_back(std::move(text));
    }

    void finish_warnings()
    {
        if (unreported)
            warnings.push_back("and " + std::to_string(unreported) + " more warning(s)");
    }
};

/// Reads one element's attributes. In a lenient reader (the baselines, which electd has from its
/// reference data anyway) a bad figure is a warning and reads as absent; elsewhere it rejects
/// the file, because a garbled figure must not go to air.
class element_reader {
public:
    element_reader(context& cx, pugi::xml_node el, std::string path, bool strict = true)
        : cx_(cx), el_(el), path_(std::move(path)), strict_(strict)
    {
    }

    /// Warns about attributes and child elements that are not in the lists.
    void expect(names attributes, names children) const
    {
        for (auto a : el_.attributes()) {
            if (!contains(attributes, a.name()))
                cx_.warn(strip_indices(path_) + "@" + a.name(), "unknown attribute '" + printable(a.name()) +
                                                                    "' on " + strip_indices(path_) + " ignored");
        }
        for (auto c : el_.children()) {
            if (c.type() == pugi::node_element && !contains(children, c.name()))
                cx_.warn(strip_indices(path_) + "/" + c.name(), "unknown element '" + printable(c.name()) +
                                                                    "' in " + strip_indices(path_) + " ignored");
        }
    }

    std::string text(char const* name) const { return optional_text(name).value_or(std::string()); }

    std::optional<std::string> optional_text(char const* name) const
    {
        auto a = el_.attribute(name);
        if (!a)
            return std::nullopt;
        std::string_view v = a.value();
        if (!valid_utf8(v)) {
            problem(name, "is not valid UTF-8: \"" + printable(v) + "\"");
            return std::nullopt;
        }
        return std::string(v);
    }

    // PA marks flags with "*" (or "+" for previousSittingMember); absent or empty means no.
    bool flag(char const* name) const { return !trim(el_.attribute(name).value()).empty(); }

    std::optional<std::int64_t> integer(char const* name, bool required = false, std::int64_t min = 0,
                                        std::int64_t max = pa_max_count) const
    {
        auto v = present(name, required);
        if (!v)
            return std::nullopt;
        std::int64_t n = 0;
        auto status = to_integer(*v, n);
        if (status == number_status::ok && (n < min || n > max))
            status = number_status::out_of_range;
        if (status == number_status::not_a_number)
            problem(name, "must be a whole number, not \"" + printable(*v) + "\"");
        else if (status == number_status::out_of_range)
            problem(name, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not \"" +
                              printable(*v) + "\"");
        if (status != number_status::ok)
            return std::nullopt;
        return n;
    }

    // An id is any integer: PA gives pseudo-parties such as "Others" negative ids (-9999).
    std::optional<std::int64_t> identifier(char const* name) const
    {
        return integer(name, false, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
    }

    std::optional<int> small_integer(char const* name, bool required = false, int min = 0,
                                     int max = pa_max_small) const
    {
        auto v = integer(name, required, min, max);
        return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
    }

    std::optional<double> decimal(char const* name) const
    {
        auto v = present(name, false);
        if (!v)
            return std::nullopt;
        double d = 0;
        auto status = to_decimal(*v, d);
        if (status == number_status::ok && std::fabs(d) > pa_max_percentage)
            status = number_status::out_of_range;
        if (status == number_status::not_a_number)
            problem(name, "must be a number, not \"" + printable(*v) + "\"");
        else if (status == number_status::out_of_range)
            problem(name, "must be between -" + std::to_string(static_cast<int>(pa_max_percentage)) + " and " +
                              std::to_string(static_cast<int>(pa_max_percentage)) + ", not \"" + printable(*v) + "\"");
        if (status != number_status::ok)
            return std::nullopt;
        return d;
    }

    void problem(char const* attribute, std::string const& what) const
    {
        auto where = path_ + "@" + attribute;
        if (strict_)
            cx_.fail(where, what);
        else
            cx_.warn(strip_indices(where), where + " " + what + " (ignored)");
    }

private:
    // An empty attribute reads as absent: PA leaves figures out rather than blank, but a blank
    // one carries no figure either.
    std::optional<std::string_view> present(char const* name, bool required) const
    {
        auto a = el_.attribute(name);
        std::string_view v = a.value();
        if (!a || trim(v).empty()) {
            if (required)
                problem(name, a ? "is empty" : "is required");
            return std::nullopt;
        }
        return v;
    }

    context& cx_;
    pugi::xml_node el_;
    std::string path_;
    bool strict_;
};

/// Child elements with a given name, with their XPath-style paths ("Candidate[2]").
std::vector<std::pair<pugi::xml_node, std::string>> children_named(pugi::xml_node el, std::string const& path,
                                                                   char const* name)
{
    std::vector<std::pair<pugi::xml_node, std::string>> out;
    for (auto c : el.children(name))
        out.emplace_back(c, path + "/" + name + "[" + std::to_string(out.size() + 1) + "]");
    return out;
}

/// The one child element of that name; a second one is ignored with a warning.
pugi::xml_node only_child(context& cx, pugi::xml_node el, std::string const& path, char const* name)
{
    auto first = el.child(name);
    if (first && first.next_sibling(name))
        cx.warn(strip_indices(path) + "/" + name + "+",
                "more than one " + std::string(name) + " in " + strip_indices(path) + ": the first is used");
    return first;
}

pa_election read_election(context& cx, pugi::xml_node el, std::string const& path, bool strict, names children)
{
    element_reader r(cx, el, path, strict);
    r.expect({"name", "date", "type"}, children);
    return {r.text("name"), r.text("date"), r.text("type")};
}

pa_party read_party(element_reader const& r)
{
    return {r.text("abbreviation"), r.text("name"), r.identifier("paId")};
}

enum class seat_kind {
    result,  // votes required
    rush,    // no figures yet
    baseline // a previous election: lenient
};

pa_candidate read_candidate_party(element_reader const& p, pa_candidate c, seat_kind kind)
{
    p.expect({"paId", "name", "abbreviation", "votes", "percentageShare", "percentageShareChange"}, {});
    c.party = read_party(p);
    c.votes = p.integer("votes", kind == seat_kind::result);
    c.share = p.decimal("percentageShare");
    c.share_change = p.decimal("percentageShareChange");
    return c;
}

pa_candidate read_candidate(context& cx, pugi::xml_node el, std::string const& path, seat_kind kind)
{
    bool const strict = kind != seat_kind::baseline;
    element_reader r(cx, el, path, strict);
    r.expect({"elected", "previousSittingMember", "paId", "firstName", "surname", "ballotName", "sex"}, {"Party"});
    pa_candidate c;
    c.first_name = r.text("firstName");
    c.surname = r.text("surname");
    c.ballot_name = r.text("ballotName");
    c.pa_id = r.identifier("paId");
    c.elected = r.flag("elected");
    c.previous_sitting_member = r.flag("previousSittingMember");
    c.sex = r.text("sex");
    auto party = only_child(cx, el, path, "Party");
    if (!party) {
        if (kind == seat_kind::result)
            cx.fail(path, "a candidate in a result needs a Party with its votes");
        return c;
    }
    return read_candidate_party(element_reader(cx, party, path + "/Party", strict), std::move(c), kind);
}

pa_constituency read_constituency(context& cx, pugi::xml_node el, std::string const& path, seat_kind kind)
{
    bool const strict = kind != seat_kind::baseline;
    element_reader r(cx, el, path, strict);
    r.expect({"number", "name", "electorate", "turnout", "percentageTurnout", "percentageChangeTurnout",
              "winningParty", "winningPartyAbbreviation", "winningPartyName", "gainOrHold", "sittingParty",
              "sittingPartyAbbreviation", "sittingPartyName", "change", "majority", "percentageMajority",
              "percentageChangeMajority", "swing", "swingTo", "swingFrom", "percentageBoundaryChange",
              "paStyleMessageText"},
             strict ? names{"Candidate"} : names{"Candidate", "Party"});
    pa_constituency s;
    s.number = r.small_integer("number", true, 1).value_or(0);
    s.name = r.text("name");
    s.electorate = r.integer("electorate");
    s.turnout = r.integer("turnout");
    s.majority = r.integer("majority");
    s.percentage_turnout = r.decimal("percentageTurnout");
    s.percentage_majority = r.decimal("percentageMajority");
    s.swing = r.decimal("swing");
    // A result says winningParty, a rush winningPartyAbbreviation: either will do for both.
    s.winning_party = r.optional_text("winningParty").value_or(r.text("winningPartyAbbreviation"));
    s.sitting_party = r.optional_text("sittingParty").value_or(r.text("sittingPartyAbbreviation"));
    s.gain_or_hold = r.text("gainOrHold");
    s.pa_style_text = r.text("paStyleMessageText");
    s.percentage_change_turnout = r.decimal("percentageChangeTurnout");
    s.percentage_change_majority = r.decimal("percentageChangeMajority");
    s.percentage_boundary_change = r.decimal("percentageBoundaryChange");
    s.swing_to = r.text("swingTo");
    s.swing_from = r.text("swingFrom");
    s.winning_party_name = r.text("winningPartyName");
    s.sitting_party_name = r.text("sittingPartyName");
    if (auto change = r.optional_text("change")) {
        if (*change == "true")
            s.change = true;
        else if (*change == "false")
            s.change = false;
        else
            cx.warn(strip_indices(path) + "@change", path + "@change is neither true nor false: \"" +
                                                         printable(*change) + "\" (ignored)");
    }

    auto candidates = children_named(el, path, "Candidate");
    // A notional baseline has no candidates, only party totals (PreviousNotionalElection).
    auto parties = strict ? decltype(candidates)() : children_named(el, path, "Party");
    if (candidates.size() + parties.size() > pa_max_candidates) {
        cx.fail(path, "more than " + std::to_string(pa_max_candidates) + " candidates");
        return s;
    }
    for (auto const& [c, p] : candidates)
        s.candidates.push_back(read_candidate(cx, c, p, kind));
    for (auto const& [c, p] : parties)
        s.candidates.push_back(read_candidate_party(element_reader(cx, c, p, strict), {}, kind));
    return s;
}

/// The Constituency of an Election element: required for the message's own election.
std::optional<pa_constituency> election_constituency(context& cx, pugi::xml_node election, std::string const& path,
                                                     seat_kind kind)
{
    auto el = only_child(cx, election, path, "Constituency");
    if (!el) {
        if (kind != seat_kind::baseline)
            cx.fail(path, "a Constituency is required");
        return std::nullopt;
    }
    return read_constituency(cx, el, path + "/Constituency", kind);
}

pugi::xml_node required_election(context& cx, pugi::xml_node root, std::string const& path)
{
    auto el = only_child(cx, root, path, "Election");
    if (!el)
        cx.fail(path, "an Election is required");
    return el;
}

pa_result read_result(context& cx, pugi::xml_node root, bool rush)
{
    std::string const path(rush ? rush_root : result_root);
    element_reader r(cx, root, path);
    r.expect({"revision", "declarationTime"}, {"Election", "PreviousElection", "PreviousNotionalElection"});
    pa_result m;
    m.rush = rush;
    m.revision = r.small_integer("revision", false, 1).value_or(1);
    m.declaration_time = r.optional_text("declarationTime");
    if (auto el = required_election(cx, root, path)) {
        m.election = read_election(cx, el, path + "/Election", true, {"Constituency"});
        if (auto c = election_constituency(cx, el, path + "/Election", rush ? seat_kind::rush : seat_kind::result))
            m.constituency = std::move(*c);
    }
    // The first PreviousElection is the baseline PA's gainOrHold compares with; a later one (a
    // by-election since) is left out.
    if (auto el = root.child("PreviousElection")) {
        auto p = path + "/PreviousElection";
        m.previous_election = read_election(cx, el, p, false, {"Constituency"});
        m.previous = election_constituency(cx, el, p, seat_kind::baseline);
    }
    if (auto el = root.child("PreviousNotionalElection")) {
        auto p = path + "/PreviousNotionalElection";
        m.previous_notional_election = read_election(cx, el, p, false, {"Constituency"});
        m.previous_notional = election_constituency(cx, el, p, seat_kind::baseline);
    }
    return m;
}

pa_state_of_parties read_state_of_parties(context& cx, pugi::xml_node root)
{
    std::string const path(sop_root);
    element_reader r(cx, root, path);
    r.expect({"numberOfResults", "totalNumberOfConstituencies", "totalVotes", "forecastWinningParty",
              "forecastMajority", "note"},
             {"Election", "Parties", "ConstituenciesIncluded"});
    pa_state_of_parties m;
    m.number_of_results = r.small_integer("numberOfResults", true).value_or(0);
    m.total_constituencies = r.small_integer("totalNumberOfConstituencies", true).value_or(0);
    m.total_votes = r.integer("totalVotes").value_or(0);
    m.forecast_winning_party = r.text("forecastWinningParty");
    m.forecast_majority = r.small_integer("forecastMajority", false, -pa_max_small);
    m.note = r.text("note");
    if (auto el = required_election(cx, root, path))
        m.election = read_election(cx, el, path + "/Election", true, {});

    if (auto parties = only_child(cx, root, path, "Parties")) {
        auto pp = path + "/Parties";
        element_reader(cx, parties, pp).expect({}, {"Party"});
        auto list = children_named(parties, pp, "Party");
        if (list.size() > pa_max_parties)
            cx.fail(pp, "more than " + std::to_string(pa_max_parties) + " parties");
        else
            for (auto const& [el, p] : list) {
                element_reader pr(cx, el, p);
                pr.expect({"paId", "name", "abbreviation", "totalSeats", "gains", "losses", "totalVotes",
                           "percentageShare", "percentageChange", "forecastSeats"},
                          {});
                pa_sop_party party;
                party.party = read_party(pr);
                party.seats = pr.small_integer("totalSeats").value_or(0);
                party.gains = pr.small_integer("gains").value_or(0);
                party.losses = pr.small_integer("losses").value_or(0);
                party.votes = pr.integer("totalVotes").value_or(0);
                party.share = pr.decimal("percentageShare");
                party.share_change = pr.decimal("percentageChange");
                party.forecast_seats = pr.small_integer("forecastSeats");
                m.parties.push_back(std::move(party));
            }
    }
    if (auto included = only_child(cx, root, path, "ConstituenciesIncluded")) {
        auto ip = path + "/ConstituenciesIncluded";
        element_reader(cx, included, ip).expect({}, {"Constituency"});
        auto list = children_named(included, ip, "Constituency");
        if (list.size() > pa_max_constituencies)
            cx.fail(ip, "more than " + std::to_string(pa_max_constituencies) + " constituencies");
        else
            for (auto const& [el, p] : list) {
                element_reader cr(cx, el, p);
                cr.expect({"number", "name"}, {});
                m.constituencies.emplace_back(cr.small_integer("number", true, 1).value_or(0), cr.text("name"));
            }
    }
    return m;
}

// No recount sample exists: take Election/Constituency as in the other messages, or a
// Constituency straight under the root.
pa_recount read_recount(context& cx, pugi::xml_node root)
{
    std::string const path = root.name();
    element_reader r(cx, root, path);
    r.expect({"revision", "declarationTime"}, {"Election", "Constituency"});
    pa_recount m;
    m.revision = r.small_integer("revision", false, 1).value_or(1);
    m.declaration_time = r.optional_text("declarationTime");
    auto election = only_child(cx, root, path, "Election");
    auto seat_path = path + "/Constituency";
    pugi::xml_node seat = only_child(cx, root, path, "Constituency");
    if (election) {
        m.election = read_election(cx, election, path + "/Election", true, {"Constituency"});
        if (auto inner = only_child(cx, election, path + "/Election", "Constituency"))
            seat = inner, seat_path = path + "/Election/Constituency";
    }
    if (!seat) {
        cx.fail(path, "a Constituency is required");
        return m;
    }
    element_reader s(cx, seat, seat_path);
    s.expect({"number", "name"}, {});
    m.number = s.small_integer("number", true, 1).value_or(0);
    m.name = s.text("name");
    return m;
}

} // namespace

pa_parse_result parse_pa_xml(std::string_view bytes)
{
    pa_parse_result out;
    if (bytes.size() > pa_max_bytes) {
        out.error = "the file is " + std::to_string(bytes.size()) + " bytes, more than the " +
                    std::to_string(pa_max_bytes) + " a PA message may have";
        return out;
    }
    if (trim(bytes).empty()) {
        out.error = "the file is empty";
        return out;
    }

    // pugixml never reads a DTD or expands an entity beyond the five predefined ones and
    // character references, so an XML bomb or an external entity stays inert text.
    pugi::xml_document doc;
    auto parsed = doc.load_buffer(bytes.data(), bytes.size(), pugi::parse_default, pugi::encoding_auto);
    if (!parsed) {
        auto offset = static_cast<std::size_t>(std::max<std::ptrdiff_t>(parsed.offset, 0));
        out.error = "malformed XML at " + locate(bytes, offset) + ": " + parsed.description();
        return out;
    }
    pugi::xml_node root;
    for (auto n : doc.children()) {
        if (n.type() != pugi::node_element)
            continue;
        if (root) {
            out.error = "malformed XML: more than one root element ('" + printable(root.name()) + "', '" +
                        printable(n.name()) + "')";
            return out;
        }
        root = n;
    }
    if (!root) {
        out.error = "malformed XML: no root element";
        return out;
    }

    context cx;
    std::string_view const name = root.name();
    if (name == result_root || name == rush_root)
        out.message = read_result(cx, root, name == rush_root);
    else if (name == sop_root)
        out.message = read_state_of_parties(cx, root);
    else if (name == recount_root || name == recount_root_alt)
        out.message = read_recount(cx, root);
    else
        cx.error = "unknown root element '" + printable(name) + "' (expected " + std::string(result_root) + ", " +
                   std::string(rush_root) + ", " + std::string(sop_root) + " or " + std::string(recount_root) + ")";

    cx.finish_warnings();
    out.warnings = std::move(cx.warnings);
    if (!cx.error.empty()) {
        out.message.reset();
        out.error = std::move(cx.error);
    }
    return out;
}

std::optional<pa_file_name> parse_pa_file_name(std::string_view file_name)
{
    if (auto slash = file_name.find_last_of("/\\"); slash != std::string_view::npos)
        file_name.remove_prefix(slash + 1);
    constexpr std::string_view ext = ".xml";
    if (file_name.size() <= ext.size() || file_name.substr(file_name.size() - ext.size()) != ext)
        return std::nullopt;
    file_name.remove_suffix(ext.size());

    pa_file_name out;
    if (file_name.substr(0, 5) == "Test_") {
        out.test = true;
        file_name.remove_prefix(5);
    }
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
        auto end = file_name.find('_', start);
        parts.push_back(file_name.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    auto join = [](auto first, auto last) {
        std::string s;
        for (auto it = first; it != last; ++it) {
            if (it != first)
                s += '_';
            s += *it;
        }
        return s;
    };
    auto as_number = [](std::string_view s) -> std::optional<int> {
        int v = 0;
        if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || end != s.data() + s.size())
            return std::nullopt;
        return v;
    };

    // The first kind word after a non-empty election name; PA spells them exactly so.
    static constexpr std::string_view kinds[] = {"result", "rush", "recount", "SOP"};
    for (std::size_t i = 1; i < parts.size(); ++i) {
        if (std::find(std::begin(kinds), std::end(kinds), parts[i]) == std::end(kinds))
            continue;
        out.kind = std::string(parts[i]);
        out.election = join(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(i));
        auto rest_first = parts.begin() + static_cast<std::ptrdiff_t>(i) + 1;
        auto rest_last = parts.end();
        if (rest_first != rest_last)
            out.number = as_number(*(rest_last - 1));
        if (out.number)
            --rest_last;
        if (out.kind == "SOP") {
            if (rest_first != rest_last)
                return std::nullopt;
        } else {
            if (rest_first == rest_last)
                return std::nullopt;
            out.constituency = join(rest_first, rest_last);
        }
        if (out.election.empty())
            return std::nullopt;
        return out;
    }
    return std::nullopt;
}

} // namespace electd::feeds
