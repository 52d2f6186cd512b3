#include "feeds/model_files.hpp"

#include <boost/json.hpp>

#include <limits> // csv.h uses numeric_limits without including it
#define CSV_IO_NO_THREAD
#include <libfccp/csv.h>

#include <charconv>
#include <map>

namespace electd::feeds {
namespace json = boost::json;
namespace {

using quoted = io::double_quote_escape<',', '"'>;
template <unsigned N>
using csv_reader = io::CSVReader<N, io::trim_chars<' ', '\t'>, quoted, io::throw_on_overflow>;

[[noreturn]] void fail(std::string const& file, unsigned line, std::string const& message)
{
    throw reference_error(file + ":" + std::to_string(line) + ": " + message);
}

std::vector<std::string_view> split(std::string_view line)
{
    std::vector<std::string_view> out;
    for (;;) {
        auto comma = line.find(',');
        auto cell = line.substr(0, comma);
        while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t'))
            cell.remove_prefix(1);
        while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t' || cell.back() == '\r'))
            cell.remove_suffix(1);
        out.push_back(cell);
        if (comma == std::string_view::npos)
            return out;
        line.remove_prefix(comma + 1);
    }
}

// A model's seat file: `ons_code,<party>...` with one number per party (no quoting), or
// `ons_code,party` for a pick.
void read_seats(core::model& m, std::string const& file, std::string const& data, core::reference_data const& ref)
{
    io::LineReader lines(file, data.data(), data.data() + data.size());
    char* header = lines.next_line();
    if (!header)
        fail(file, 1, "empty file");
    auto columns = split(header);
    if (columns.empty() || columns[0] != "ons_code")
        fail(file, 1, "the first column must be ons_code");
    m.seats.assign(ref.seat_count(), std::nullopt);
    std::vector<core::party_id> parties;
    if (m.kind != core::model_kind::pick) {
        for (std::size_t c = 1; c < columns.size(); ++c) {
            auto p = ref.parties.find(columns[c]);
            if (!p)
                fail(file, 1, "unknown party '" + std::string(columns[c]) + "'");
            parties.push_back(*p);
        }
        m.parties = parties;
    }
    unsigned line_no = 1;
    while (char* line = lines.next_line()) {
        ++line_no;
        auto cells = split(line);
        if (cells.size() == 1 && cells[0].empty())
            continue;
        auto seat = ref.find_ons(cells[0]);
        if (!seat)
            fail(file, line_no, "unknown constituency '" + std::string(cells[0]) + "'");
        core::seat_forecast f;
        if (m.kind == core::model_kind::pick) {
            auto p = cells.size() > 1 ? ref.parties.find(cells[1]) : std::nullopt;
            if (!p)
                fail(file, line_no, "unknown party '" + (cells.size() > 1 ? std::string(cells[1]) : "") + "'");
            f.favourite = *p;
            if (std::find(m.parties.begin(), m.parties.end(), *p) == m.parties.end())
                m.parties.push_back(*p);
        } else {
            if (cells.size() != columns.size())
                fail(file, line_no, "expected " + std::to_string(columns.size()) + " cells");
            for (std::size_t c = 1; c < cells.size(); ++c) {
                double v = 0;
                auto [ptr, ec] = std::from_chars(cells[c].data(), cells[c].data() + cells[c].size(), v);
                if (ec != std::errc() || ptr != cells[c].data() + cells[c].size() || v < 0)
                    fail(file, line_no, "'" + std::string(cells[c]) + "' is not a non-negative number");
                f.values.push_back({parties[c - 1], v});
            }
        }
        m.seats[*seat] = std::move(f);
    }
    m.settle_favourites();
}

} // namespace

std::vector<std::shared_ptr<core::model>> read_models(file_source const& files, core::reference_data const& ref)
{
    std::vector<std::shared_ptr<core::model>> out;
    auto manifest = files("models/models.csv");
    if (!manifest)
        return out;
    try {
        csv_reader<7> r("models/models.csv", manifest->data(), manifest->data() + manifest->size());
        r.read_header(io::ignore_extra_column | io::ignore_missing_column, "name", "title", "kind", "file", "headline",
                      "published", "source");
        std::string name, title, kind, file, headline, published, source;
        while (r.read_row(name, title, kind, file, headline, published, source)) {
            auto m = std::make_shared<core::model>();
            m->name = name;
            m->title = title.empty() ? name : title;
            auto k = core::model_kind_from(kind);
            if (!k)
                fail("models/models.csv", r.get_file_line(), "kind must be shares, probabilities or pick");
            m->kind = *k;
            m->headline = headline == "1" || headline == "true";
            m->published = published;
            m->source = source;
            auto data = files("models/" + file);
            if (!data)
                fail("models/models.csv", r.get_file_line(), "models/" + file + " is missing");
            read_seats(*m, "models/" + file, *data, ref);
            if (name == "exit_poll") {
                if (auto national = files("models/exit_poll_national.csv")) {
                    csv_reader<2> n("models/exit_poll_national.csv", national->data(), national->data() + national->size());
                    n.read_header(io::ignore_extra_column, "party", "seats");
                    std::string party;
                    int seats = 0;
                    while (n.read_row(party, seats)) {
                        auto p = ref.parties.find(party);
                        if (!p)
                            fail("models/exit_poll_national.csv", n.get_file_line(), "unknown party '" + party + "'");
                        m->national_seats.emplace_back(*p, seats);
                    }
                }
            }
            out.push_back(std::move(m));
        }
        if (auto scenarios = files("models/scenarios.csv")) {
            csv_reader<4> s("models/scenarios.csv", scenarios->data(), scenarios->data() + scenarios->size());
            s.read_header(io::ignore_extra_column, "name", "title", "party", "change");
            std::map<std::string, std::pair<std::string, std::vector<std::pair<core::party_id, double>>>> by_name;
            std::vector<std::string> order;
            std::string party;
            double change = 0;
            while (s.read_row(name, title, party, change)) {
                auto p = ref.parties.find(party);
                if (!p)
                    fail("models/scenarios.csv", s.get_file_line(), "unknown party '" + party + "'");
                if (!by_name.count(name))
                    order.push_back(name);
                by_name[name].first = title;
                by_name[name].second.emplace_back(*p, change);
            }
            for (auto const& n : order) {
                auto m = std::make_shared<core::model>(
                    core::uniform_swing(ref, "scenario:" + n, by_name[n].first, by_name[n].second));
                m->source = "uniform national swing from the baseline";
                out.push_back(std::move(m));
            }
        }
    } catch (io::error::base const& e) {
        throw reference_error(e.what());
    }
    return out;
}

namespace {

model_parse_result parse_object(std::string_view body, json::value& root)
{
    model_parse_result out;
    boost::system::error_code ec;
    root = json::parse(body, ec);
    if (ec)
        out.malformed = "malformed JSON: " + ec.message();
    else if (!root.is_object())
        out.malformed = "the body must be a JSON object";
    return out;
}

std::optional<double> number(json::value const& v)
{
    if (v.is_int64())
        return static_cast<double>(v.get_int64());
    if (v.is_uint64())
        return static_cast<double>(v.get_uint64());
    if (v.is_double())
        return v.get_double();
    return std::nullopt;
}

std::optional<core::party_id> party_of(std::string_view key, std::string const& path, core::reference_data const& ref,
                                       core::problem_list& problems)
{
    auto p = ref.parties.find(key);
    if (!p)
        problems.push_back({path, "unknown party '" + std::string(key) + "'"});
    return p;
}

} // namespace

model_parse_result parse_model_json(std::string const& name, std::string_view body, core::reference_data const& ref)
{
    json::value root;
    auto out = parse_object(body, root);
    if (out.malformed)
        return out;
    auto const& o = root.get_object();
    auto m = std::make_shared<core::model>();
    m->name = name;
    auto text = [&](char const* key) -> std::string {
        auto const* v = o.if_contains(key);
        if (v && v->is_string())
            return std::string(v->get_string());
        if (v && !v->is_null())
            out.problems.push_back({key, "must be a string"});
        return {};
    };
    m->title = text("title");
    if (m->title.empty())
        m->title = name;
    m->published = text("published");
    m->source = text("source");
    auto kind = core::model_kind_from(text("kind"));
    if (!kind)
        out.problems.push_back({"kind", "must be shares, probabilities or pick"});
    else
        m->kind = *kind;
    if (auto const* h = o.if_contains("headline"); h && !h->is_null()) {
        if (h->is_bool())
            m->headline = h->get_bool();
        else
            out.problems.push_back({"headline", "must be true or false"});
    }
    if (auto const* n = o.if_contains("national"); n && !n->is_null()) {
        if (!n->is_object()) {
            out.problems.push_back({"national", "must be an object of party: seats"});
        } else {
            for (auto const& kv : n->get_object()) {
                auto path = "national." + std::string(kv.key());
                auto p = party_of(kv.key(), path, ref, out.problems);
                if (!kv.value().is_int64() || kv.value().get_int64() < 0)
                    out.problems.push_back({path, "must be a non-negative integer"});
                else if (p)
                    m->national_seats.emplace_back(*p, static_cast<int>(kv.value().get_int64()));
            }
        }
    }
    auto const* seats = o.if_contains("seats");
    if (!seats || !seats->is_object() || seats->get_object().empty()) {
        out.problems.push_back({"seats", "is required: an object keyed by ONS code"});
    } else {
        m->seats.assign(ref.seat_count(), std::nullopt);
        for (auto const& kv : seats->get_object()) {
            auto path = "seats." + std::string(kv.key());
            auto seat = ref.find_ons(kv.key());
            if (!seat) {
                out.problems.push_back({path, "unknown constituency"});
                continue;
            }
            core::seat_forecast f;
            if (m->kind == core::model_kind::pick) {
                if (!kv.value().is_string()) {
                    out.problems.push_back({path, "must be a party"});
                    continue;
                }
                auto p = party_of(kv.value().get_string(), path, ref, out.problems);
                if (!p)
                    continue;
                f.favourite = *p;
                if (std::find(m->parties.begin(), m->parties.end(), *p) == m->parties.end())
                    m->parties.push_back(*p);
            } else if (!kv.value().is_object()) {
                out.problems.push_back({path, "must be an object of party: value"});
                continue;
            } else {
                for (auto const& pv : kv.value().get_object()) {
                    auto ppath = path + "." + std::string(pv.key());
                    auto p = party_of(pv.key(), ppath, ref, out.problems);
                    auto v = number(pv.value());
                    bool probability = m->kind == core::model_kind::probabilities;
                    if (!v || *v < 0 || (probability && *v > 1) || (!probability && *v > 100))
                        out.problems.push_back({ppath, probability ? "must be a probability from 0 to 1"
                                                                   : "must be a share from 0 to 100"});
                    else if (p) {
                        f.values.push_back({*p, *v});
                        if (std::find(m->parties.begin(), m->parties.end(), *p) == m->parties.end())
                            m->parties.push_back(*p);
                    }
                }
                if (f.values.empty())
                    continue;
            }
            m->seats[*seat] = std::move(f);
        }
    }
    if (out.problems.empty()) {
        m->settle_favourites();
        out.value = std::move(m);
    }
    return out;
}

model_parse_result parse_scenario_json(std::string const& name, std::string_view body, core::reference_data const& ref)
{
    json::value root;
    auto out = parse_object(body, root);
    if (out.malformed)
        return out;
    auto const& o = root.get_object();
    std::string title = name;
    if (auto const* t = o.if_contains("title"); t && t->is_string())
        title = std::string(t->get_string());
    std::vector<std::pair<core::party_id, double>> changes;
    auto const* c = o.if_contains("changes");
    if (!c || !c->is_object() || c->get_object().empty()) {
        out.problems.push_back({"changes", "is required: national share changes in points, e.g. {\"RUK\": 10.6}"});
        return out;
    }
    for (auto const& kv : c->get_object()) {
        auto path = "changes." + std::string(kv.key());
        auto p = party_of(kv.key(), path, ref, out.problems);
        auto v = number(kv.value());
        if (!v || *v < -100 || *v > 100)
            out.problems.push_back({path, "must be a change in points between -100 and 100"});
        else if (p)
            changes.emplace_back(*p, *v);
    }
    if (out.problems.empty()) {
        out.value = std::make_shared<core::model>(core::uniform_swing(ref, name, title, changes));
        out.value->source = "uniform national swing from the baseline";
    }
    return out;
}

} // namespace electd::feeds
