#include "core/table.hpp"

#include "core/json_writer.hpp"

#include <algorithm>

namespace electd::core {
namespace {

std::string text_of(cell const& c)
{
    return std::visit(
        [](auto const& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>)
                return "";
            else if constexpr (std::is_same_v<T, std::int64_t>)
                return std::to_string(v);
            else if constexpr (std::is_same_v<T, decimal>)
                return format_decimal(v.value, v.places);
            else if constexpr (std::is_same_v<T, bool>)
                return v ? "true" : "false";
            else
                return v;
        },
        c);
}

bool is_number(cell const& c)
{
    return std::holds_alternative<std::int64_t>(c) || std::holds_alternative<decimal>(c);
}

} // namespace

cell optional_decimal(std::optional<double> v, int places)
{
    if (!v)
        return std::monostate{};
    return decimal{*v, places};
}

std::string to_json(table const& t)
{
    std::string out;
    json_writer w(out);
    w.begin_array();
    for (auto const& r : t.rows) {
        w.begin_object();
        for (std::size_t i = 0; i < t.columns.size() && i < r.size(); ++i) {
            w.key(t.columns[i]);
            std::visit(
                [&](auto const& v) {
                    using T = std::decay_t<decltype(v)>;
                    if constexpr (std::is_same_v<T, std::monostate>)
                        w.null();
                    else if constexpr (std::is_same_v<T, decimal>)
                        w.value(v.value, v.places);
                    else
                        w.value(v);
                },
                r[i]);
        }
        w.end_object();
    }
    w.end_array();
    return out;
}

std::string to_csv(table const& t)
{
    auto field = [](std::string const& s) {
        if (s.find_first_of(",\"\n\r") == std::string::npos)
            return s;
        std::string out = "\"";
        for (char c : s)
            out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    };
    std::string out;
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        out += (i ? "," : "") + field(t.columns[i]);
    out += "\n";
    for (auto const& r : t.rows) {
        for (std::size_t i = 0; i < r.size(); ++i)
            out += (i ? "," : "") + field(text_of(r[i]));
        out += "\n";
    }
    return out;
}

std::string to_text(table const& t)
{
    std::vector<std::size_t> width(t.columns.size());
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        width[i] = t.columns[i].size();
    std::vector<std::vector<std::string>> cells;
    for (auto const& r : t.rows) {
        cells.emplace_back();
        for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) {
            cells.back().push_back(text_of(r[i]));
            width[i] = std::max(width[i], cells.back().back().size());
        }
    }
    auto pad = [](std::string s, std::size_t w, bool right) {
        if (s.size() >= w)
            return s;
        return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
    };
    std::string out;
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        out += (i ? "  " : "") + pad(t.columns[i], width[i], false);
    out += "\n";
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        out += (i ? "  " : "") + std::string(width[i], '-');
    out += "\n";
    for (std::size_t r = 0; r < cells.size(); ++r) {
        for (std::size_t i = 0; i < cells[r].size(); ++i)
            out += (i ? "  " : "") + pad(cells[r][i], width[i], is_number(t.rows[r][i]));
        out += "\n";
    }
    return out;
}

} // namespace electd::core
