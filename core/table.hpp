#pragma once
// A small result table (columns and typed cells) rendered as JSON, CSV or aligned text, so the
// archive API and `electd query` show the same answers. Value type.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace electd::core {

struct decimal {
    double value;
    int places = 2;
};

using cell = std::variant<std::monostate, std::int64_t, decimal, std::string, bool>;

struct table {
    std::vector<std::string> columns;
    std::vector<std::vector<cell>> rows;

    table& row(std::vector<cell> r)
    {
        rows.push_back(std::move(r));
        return *this;
    }
};

/// [{"column": value, ...}, ...]
std::string to_json(table const& t);
/// A header line, then one line per row (RFC 4180 quoting).
std::string to_csv(table const& t);
/// Columns padded to line up, numbers right-aligned, for a terminal.
std::string to_text(table const& t);

cell optional_decimal(std::optional<double> v, int places = 2);

} // namespace electd::core
