#include "feeds/reference_csv.hpp"

#include <limits> // csv.h uses numeric_limits without including it
#define CSV_IO_NO_THREAD
#include <libfccp/csv.h>

#include <map>
#include <set>

namespace electd::feeds {
namespace {

using quoted = io::double_quote_escape<',', '"'>;
template <unsigned N>
using csv_reader = io::CSVReader<N, io::trim_chars<' ', '\t'>, quoted, io::throw_on_overflow>;

std::string require(file_source const& files, std::string const& name)
{
    auto data = files(name);
    if (!data)
        throw reference_error(name + ": missing (a reference directory needs election.csv, constituencies.csv, "
                                     "parties.csv, party_aliases.csv and notional.csv)");
    return std::move(*data);
}

// Runs `body` and turns the CSV library's errors into one message naming file and line.
template <class F>
void guarded(std::string const& name, F&& body)
{
    try {
        body();
    } catch (io::error::base const& e) {
        throw reference_error(std::string(e.what()));
    } catch (reference_error const&) {
        throw;
    } catch (std::exception const& e) {
        throw reference_error(name + ": " + e.what());
    }
}

template <class Reader>
[[noreturn]] void fail(Reader const& r, std::string const& message)
{
    throw reference_error(std::string(r.get_truncated_file_name()) + ":" + std::to_string(r.get_file_line()) + ": "
                          + message);
}

} // namespace

std::vector<core::watch_entry> read_watchlist(std::string const& data, core::reference_data const& ref)
{
    std::vector<core::watch_entry> out;
    guarded("watchlist.csv", [&] {
        csv_reader<2> r("watchlist.csv", data.data(), data.data() + data.size());
        r.read_header(io::ignore_extra_column, "ons_code", "note");
        std::string ons, note;
        while (r.read_row(ons, note)) {
            auto seat = ref.find_ons(ons);
            if (!seat)
                fail(r, "unknown constituency '" + ons + "'");
            out.push_back({*seat, note});
        }
    });
    return out;
}

std::shared_ptr<core::reference_data> read_reference(file_source const& files)
{
    auto ref = std::make_shared<core::reference_data>();

    // election.csv: key,value
    std::map<std::string, std::string> election;
    {
        auto data = require(files, "election.csv");
        guarded("election.csv", [&] {
            csv_reader<2> r("election.csv", data.data(), data.data() + data.size());
            r.read_header(io::ignore_extra_column, "key", "value");
            std::string k, v;
            while (r.read_row(k, v))
                election[k] = v;
        });
        auto get = [&](char const* k) { return election.count(k) ? election[k] : std::string(); };
        ref->info.name = get("name");
        ref->info.short_name = get("short_name");
        ref->info.date = get("date");
        ref->info.baseline_name = get("baseline");
        if (ref->info.short_name.empty())
            throw reference_error("election.csv: 'short_name' is required (it names the election in the database)");
        try {
            ref->info.data_version = std::stoi(get("data_version"));
        } catch (std::exception const&) {
            throw reference_error("election.csv: 'data_version' must be a positive integer");
        }
        if (ref->info.data_version < 1)
            throw reference_error("election.csv: 'data_version' must be a positive integer");
    }

    // parties.csv: code,name,colour
    {
        auto data = require(files, "parties.csv");
        guarded("parties.csv", [&] {
            csv_reader<3> r("parties.csv", data.data(), data.data() + data.size());
            r.read_header(io::ignore_extra_column | io::ignore_missing_column, "code", "name", "colour");
            std::string code, name, colour;
            while (r.read_row(code, name, colour)) {
                if (code.empty())
                    fail(r, "party code is empty");
                if (ref->parties.find(code))
                    fail(r, "party '" + code + "' is listed twice or clashes with another party's alias");
                ref->parties.add(core::party{code, name.empty() ? code : name, colour.empty() ? "#999999" : colour});
            }
        });
        if (auto lump = election.find("others_party"); lump != election.end()) {
            ref->others_lump = ref->parties.find_code(lump->second);
            if (!ref->others_lump)
                throw reference_error("election.csv: others_party '" + lump->second + "' is not in parties.csv");
        }
    }

    // party_aliases.csv: alias,code
    {
        auto data = require(files, "party_aliases.csv");
        guarded("party_aliases.csv", [&] {
            csv_reader<2> r("party_aliases.csv", data.data(), data.data() + data.size());
            r.read_header(io::ignore_extra_column, "alias", "code");
            std::string alias, code;
            while (r.read_row(alias, code)) {
                auto id = ref->parties.find_code(code);
                if (!id)
                    fail(r, "alias '" + alias + "' names party '" + code + "', which is not in parties.csv");
                if (!ref->parties.add_alias(alias, *id))
                    fail(r, "alias '" + alias + "' already names another party");
            }
        });
    }

    // constituencies.csv: ons_code,pa_number,name,region,nation,electorate
    {
        auto data = require(files, "constituencies.csv");
        guarded("constituencies.csv", [&] {
            csv_reader<6> r("constituencies.csv", data.data(), data.data() + data.size());
            r.read_header(io::ignore_extra_column | io::ignore_missing_column, "ons_code", "pa_number", "name", "region",
                          "nation", "electorate");
            if (!r.has_column("name"))
                fail(r, "the column 'name' is required");
            core::constituency c;
            std::string pa, electorate;
            std::set<int> pa_seen;
            while (r.read_row(c.ons_code, pa, c.name, c.region, c.nation, electorate)) {
                if (c.ons_code.empty() || c.name.empty())
                    fail(r, "ons_code and name are required");
                if (ref->find_ons(c.ons_code))
                    fail(r, "constituency '" + c.ons_code + "' is listed twice");
                try {
                    c.pa_number = pa.empty() ? 0 : std::stoi(pa);
                    c.electorate = electorate.empty() ? 0 : std::stoll(electorate);
                } catch (std::exception const&) {
                    fail(r, "pa_number and electorate must be integers");
                }
                if (c.pa_number > 0 && !pa_seen.insert(c.pa_number).second)
                    fail(r, "pa_number " + pa + " is used twice");
                ref->add_constituency(c);
            }
        });
        if (ref->seat_count() == 0)
            throw reference_error("constituencies.csv: no constituencies");
    }

    // notional.csv: ons_code,party,votes (the baseline; a seat may have none)
    {
        auto data = require(files, "notional.csv");
        std::vector<std::vector<core::party_votes>> votes(ref->seat_count());
        guarded("notional.csv", [&] {
            csv_reader<3> r("notional.csv", data.data(), data.data() + data.size());
            r.read_header(io::ignore_extra_column, "ons_code", "party", "votes");
            std::string ons, party;
            long long v = 0;
            while (r.read_row(ons, party, v)) {
                auto seat = ref->find_ons(ons);
                if (!seat)
                    fail(r, "unknown constituency '" + ons + "'");
                auto id = ref->parties.find(party);
                if (!id)
                    fail(r, "unknown party '" + party + "'");
                if (v < 0)
                    fail(r, "votes must not be negative");
                votes[*seat].push_back({*id, v});
            }
        });
        for (core::seat_index i = 0; i < votes.size(); ++i)
            ref->set_baseline(i, core::baseline::from_votes(std::move(votes[i]), ref->others_lump));
    }

    // watchlist.csv: ons_code,name,note (optional)
    if (auto data = files("watchlist.csv"))
        ref->set_watchlist(read_watchlist(*data, *ref));

    // bellwethers.csv: ons_code,name,note (optional)
    if (auto data = files("bellwethers.csv")) {
        guarded("bellwethers.csv", [&] {
            csv_reader<2> r("bellwethers.csv", data->data(), data->data() + data->size());
            r.read_header(io::ignore_extra_column, "ons_code", "note");
            std::string ons, note;
            while (r.read_row(ons, note)) {
                auto seat = ref->find_ons(ons);
                if (!seat)
                    fail(r, "unknown constituency '" + ons + "'");
                ref->add_bellwether({*seat, note});
            }
        });
    }

    // notables.csv: ons_code,name,note,critical (optional)
    if (auto data = files("notables.csv")) {
        guarded("notables.csv", [&] {
            csv_reader<4> r("notables.csv", data->data(), data->data() + data->size());
            r.read_header(io::ignore_extra_column | io::ignore_missing_column, "ons_code", "name", "note", "critical");
            std::string ons, name, note, critical;
            while (r.read_row(ons, name, note, critical)) {
                auto seat = ref->find_ons(ons);
                if (!seat)
                    fail(r, "unknown constituency '" + ons + "'");
                if (name.empty())
                    fail(r, "name is required");
                ref->add_notable({*seat, name, note, critical == "1" || critical == "true"});
            }
        });
    }

    // candidates.csv: ons_code,first_name,surname,party,sitting_mp (optional nominations)
    if (auto data = files("candidates.csv")) {
        guarded("candidates.csv", [&] {
            csv_reader<5> r("candidates.csv", data->data(), data->data() + data->size());
            r.read_header(io::ignore_extra_column | io::ignore_missing_column, "ons_code", "first_name", "surname",
                          "party", "sitting_mp");
            std::string ons, first, surname, party, sitting;
            while (r.read_row(ons, first, surname, party, sitting)) {
                auto seat = ref->find_ons(ons);
                if (!seat)
                    fail(r, "unknown constituency '" + ons + "'");
                auto id = ref->parties.find(party);
                if (!id)
                    fail(r, "unknown party '" + party + "'");
                auto name = first.empty() ? surname : first + " " + surname;
                ref->add_nomination({*seat, name, *id, sitting == "1" || sitting == "true" || sitting == "Yes"});
            }
        });
    }
    return ref;
}

} // namespace electd::feeds
