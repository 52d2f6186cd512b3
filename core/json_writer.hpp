#pragma once
// A small streaming JSON writer. Numbers are written the way people read them (33.7, not
// 3.37E1 as Boost.JSON's serializer does), which graphics engines and spreadsheets expect.
// Not thread-safe; one writer per output.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace electd::core {

class json_writer {
public:
    explicit json_writer(std::string& out) : out_(out) {}

    json_writer& begin_object();
    json_writer& end_object();
    json_writer& begin_array();
    json_writer& end_array();
    json_writer& key(std::string_view k);

    json_writer& value(std::string_view s);
    json_writer& value(char const* s) { return value(std::string_view(s)); }
    json_writer& value(std::int64_t v);
    json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
    json_writer& value(std::size_t v) { return value(static_cast<std::int64_t>(v)); }
    json_writer& value(bool b);
    json_writer& value(double v, int decimals = 2); // trailing zeros trimmed
    json_writer& null();
    /// Inserts already-serialised JSON as one value.
    json_writer& raw(std::string_view json);

    template <class T>
    json_writer& value(std::optional<T> const& v)
    {
        return v ? value(*v) : null();
    }
    json_writer& value(std::optional<double> const& v, int decimals)
    {
        return v ? value(*v, decimals) : null();
    }

    template <class T>
    json_writer& field(std::string_view k, T const& v)
    {
        key(k);
        return value(v);
    }
    json_writer& field(std::string_view k, double v, int decimals) { return key(k).value(v, decimals); }
    json_writer& field(std::string_view k, std::optional<double> const& v, int decimals)
    {
        return key(k).value(v, decimals);
    }

    static void escape(std::string& out, std::string_view s);

private:
    void separate();
    std::string& out_;
    std::vector<bool> first_; // per open container: nothing written yet
    bool after_key_ = false;
};

/// Formats a number with at most `decimals` places and no trailing zeros ("12.5", "3", "-0.25").
std::string format_decimal(double v, int decimals);

} // namespace electd::core
