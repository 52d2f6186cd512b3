// libFuzzer target: feeds::parse_pa_xml on any bytes. Besides "no crash, no sanitizer report",
// it checks the parser's promises: exactly one of message and error, a bounded warning list,
// bounded, finite numbers and valid UTF-8 in every string it hands out.
#include "feeds/pa_xml.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstdio>

using namespace electd::feeds;

namespace {

bool valid_utf8(std::string_view s)
{
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || s.size() - i < len)
            return false;
        for (std::size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

[[noreturn]] void broken(char const* promise)
{
    std::fprintf(stderr, "parse_pa_xml broke a promise: %s\n", promise);
    std::abort();
}

// Reads every field, so that a dangling or uninitialised value shows up under the sanitizers.
struct toucher {
    std::uint64_t sum = 0;

    void text(std::string const& s)
    {
        if (!valid_utf8(s))
            broken("a string is not valid UTF-8");
        for (char c : s)
            sum += static_cast<unsigned char>(c);
    }
    void id(std::optional<std::int64_t> v) { sum += v ? static_cast<std::uint64_t>(*v) : 1; }
    void count(std::optional<std::int64_t> v)
    {
        if (v && (*v < 0 || *v > pa_max_count))
            broken("a count is out of bounds");
        sum += v ? static_cast<std::uint64_t>(*v) : 1;
    }
    void percentage(std::optional<double> v)
    {
        if (v && !(std::fabs(*v) <= pa_max_percentage))
            broken("a percentage is not finite or out of bounds");
        sum += v ? std::bit_cast<std::uint64_t>(*v) : 1;
    }
    void party(pa_party const& p)
    {
        text(p.abbreviation), text(p.name), id(p.pa_id);
    }
    void election(pa_election const& e) { text(e.name), text(e.date), text(e.type); }
    void constituency(pa_constituency const& c)
    {
        if (c.candidates.size() > pa_max_candidates)
            broken("too many candidates");
        sum += static_cast<unsigned>(c.number);
        text(c.name), text(c.winning_party), text(c.sitting_party), text(c.gain_or_hold), text(c.pa_style_text);
        text(c.swing_to), text(c.swing_from), text(c.winning_party_name), text(c.sitting_party_name);
        count(c.electorate), count(c.turnout), count(c.majority);
        percentage(c.percentage_turnout), percentage(c.percentage_majority), percentage(c.swing);
        percentage(c.percentage_change_turnout), percentage(c.percentage_change_majority);
        percentage(c.percentage_boundary_change);
        sum += c.change ? 2 + *c.change : 0;
        for (auto const& x : c.candidates) {
            text(x.first_name), text(x.surname), text(x.ballot_name), text(x.sex);
            id(x.pa_id), count(x.votes), percentage(x.share), percentage(x.share_change);
            party(x.party);
            sum += x.elected + 2 * x.previous_sitting_member;
        }
    }
    void operator()(pa_result const& m)
    {
        sum += m.rush + static_cast<unsigned>(m.revision);
        if (m.declaration_time)
            text(*m.declaration_time);
        election(m.election);
        constituency(m.constituency);
        if (m.previous_election)
            election(*m.previous_election);
        if (m.previous)
            constituency(*m.previous);
        if (m.previous_notional_election)
            election(*m.previous_notional_election);
        if (m.previous_notional)
            constituency(*m.previous_notional);
    }
    void operator()(pa_state_of_parties const& m)
    {
        sum += static_cast<unsigned>(m.number_of_results + m.total_constituencies);
        count(m.total_votes);
        text(m.forecast_winning_party), text(m.note);
        sum += m.forecast_majority.value_or(0);
        election(m.election);
        for (auto const& p : m.parties) {
            party(p.party);
            sum += static_cast<unsigned>(p.seats + p.gains + p.losses);
            count(p.votes);
            percentage(p.share), percentage(p.share_change);
            sum += p.forecast_seats.value_or(0);
        }
        for (auto const& [n, name] : m.constituencies) {
            sum += static_cast<unsigned>(n);
            text(name);
        }
    }
    void operator()(pa_recount const& m)
    {
        sum += static_cast<unsigned>(m.revision + m.number);
        election(m.election);
        text(m.name);
        if (m.declaration_time)
            text(*m.declaration_time);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view bytes(reinterpret_cast<char const*>(data), size);
    auto r = parse_pa_xml(bytes);
    if (r.message.has_value() == !r.error.empty())
        broken("exactly one of message and error");
    if (r.warnings.size() > pa_max_warnings + 1)
        broken("at most a few warnings");
    toucher t;
    t.text(r.error);
    for (auto const& w : r.warnings)
        t.text(w);
    if (r.message)
        std::visit(t, *r.message);

    // File names come from a directory listing: just as untrusted.
    if (auto f = parse_pa_file_name(bytes.substr(0, 300))) {
        t.text(f->kind);
        t.sum += f->test + f->number.value_or(0);
    }
    static volatile std::uint64_t sink = 0;
    sink = sink + t.sum;
    return 0;
}
