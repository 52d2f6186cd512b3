#include "feeds/night_file.hpp"

#include "core/json_writer.hpp"

#include <limits> // csv.h uses numeric_limits without including it
#define CSV_IO_NO_THREAD
#include <libfccp/csv.h>

#include <algorithm>
#include <unordered_map>

namespace electd::feeds {
namespace {

using quoted = io::double_quote_escape<',', '"'>;
template <unsigned N>
using csv_reader = io::CSVReader<N, io::trim_chars<' ', '\t'>, quoted, io::throw_on_overflow>;

std::optional<std::int64_t> optional_int(std::string const& s)
{
    if (s.empty())
        return std::nullopt;
    return std::stoll(s);
}

} // namespace

std::string night_declaration::to_native_json(int revision) const
{
    std::string out;
    core::json_writer w(out);
    w.begin_object().field("constituency", ons_code).field("revision", revision).field("declared_at", declared_at);
    if (electorate)
        w.field("electorate", *electorate);
    if (invalid_votes)
        w.field("invalid_votes", *invalid_votes);
    w.key("candidates").begin_array();
    for (auto const& c : candidates)
        w.begin_object().field("name", c.name).field("party", c.party).field("votes", c.votes).end_object();
    w.end_array().end_object();
    return out;
}

std::vector<night_declaration> read_night(file_source const& files)
{
    auto decl_csv = files("declarations.csv");
    auto cand_csv = files("candidates.csv");
    if (!decl_csv || !cand_csv)
        throw reference_error("a night directory needs declarations.csv and candidates.csv");
    std::vector<night_declaration> out;
    std::unordered_map<std::string, std::size_t> index;
    try {
        csv_reader<4> r("declarations.csv", decl_csv->data(), decl_csv->data() + decl_csv->size());
        r.read_header(io::ignore_extra_column | io::ignore_missing_column, "ons_code", "declared_at", "electorate",
                      "invalid_votes");
        std::string ons, at, electorate, invalid;
        while (r.read_row(ons, at, electorate, invalid)) {
            auto t = core::parse_rfc3339(at);
            if (!t)
                throw reference_error("declarations.csv:" + std::to_string(r.get_file_line()) + ": bad time '" + at + "'");
            index[ons] = out.size();
            out.push_back({ons, at, t->utc, optional_int(electorate), optional_int(invalid), {}});
        }
        csv_reader<5> c("candidates.csv", cand_csv->data(), cand_csv->data() + cand_csv->size());
        c.read_header(io::ignore_extra_column | io::ignore_missing_column, "ons_code", "first_name", "surname", "party",
                      "votes");
        std::string first, surname, party;
        long long votes = 0;
        while (c.read_row(ons, first, surname, party, votes)) {
            auto it = index.find(ons);
            if (it == index.end())
                throw reference_error("candidates.csv:" + std::to_string(c.get_file_line()) + ": constituency " + ons
                                      + " has no row in declarations.csv");
            out[it->second].candidates.push_back({first.empty() ? surname : first + " " + surname, party, votes});
        }
    } catch (io::error::base const& e) {
        throw reference_error(e.what());
    }
    std::stable_sort(out.begin(), out.end(), [](night_declaration const& a, night_declaration const& b) {
        return a.at != b.at ? a.at < b.at : a.ons_code < b.ons_code;
    });
    return out;
}

} // namespace electd::feeds
