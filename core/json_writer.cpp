#include "core/json_writer.hpp"

#include <charconv>
#include <cmath>

namespace electd::core {

void json_writer::separate()
{
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back())
            out_ += ',';
        first_.back() = false;
    }
}

json_writer& json_writer::begin_object()
{
    separate();
    out_ += '{';
    first_.push_back(true);
    return *this;
}

json_writer& json_writer::end_object()
{
    out_ += '}';
    first_.pop_back();
    return *this;
}

json_writer& json_writer::begin_array()
{
    separate();
    out_ += '[';
    first_.push_back(true);
    return *this;
}

json_writer& json_writer::end_array()
{
    out_ += ']';
    first_.pop_back();
    return *this;
}

json_writer& json_writer::key(std::string_view k)
{
    separate();
    out_ += '"';
    escape(out_, k);
    out_ += "\":";
    after_key_ = true;
    return *this;
}

json_writer& json_writer::value(std::string_view s)
{
    separate();
    out_ += '"';
    escape(out_, s);
    out_ += '"';
    return *this;
}

json_writer& json_writer::value(std::int64_t v)
{
    separate();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
    return *this;
}

json_writer& json_writer::value(bool b)
{
    separate();
    out_ += b ? "true" : "false";
    return *this;
}

namespace {

// Fixed decimals, trailing zeros trimmed, written into `buf`; returns the length.
std::size_t decimal_chars(char (&buf)[64], double v, int decimals)
{
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
    auto n = static_cast<std::size_t>(r.ptr - buf);
    if (decimals > 0) {
        while (buf[n - 1] == '0')
            --n;
        if (buf[n - 1] == '.')
            --n;
    }
    if (n == 2 && buf[0] == '-' && buf[1] == '0') // -0.001 rounds to "-0"
        buf[0] = '0', n = 1;
    return n;
}

} // namespace

json_writer& json_writer::value(double v, int decimals)
{
    if (!std::isfinite(v))
        return null();
    separate();
    char buf[64];
    out_.append(buf, decimal_chars(buf, v, decimals));
    return *this;
}

json_writer& json_writer::null()
{
    separate();
    out_ += "null";
    return *this;
}

json_writer& json_writer::raw(std::string_view json)
{
    separate();
    out_ += json;
    return *this;
}

void json_writer::escape(std::string& out, std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    // Most text needs no escaping: copy clean runs whole.
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(s.data() + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            }
        }
    }
    out.append(s.data() + start, s.size() - start);
}

std::string format_decimal(double v, int decimals)
{
    char buf[64];
    return std::string(buf, decimal_chars(buf, v, decimals));
}

} // namespace electd::core
