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

json_writer& json_writer::value(double v, int decimals)
{
    if (!std::isfinite(v))
        return null();
    separate();
    out_ += format_decimal(v, decimals);
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
    for (unsigned char c : s) {
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
            } else {
                out += static_cast<char>(c);
            }
        }
    }
}

std::string format_decimal(double v, int decimals)
{
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
    std::string s(buf, r.ptr);
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0')
            s.pop_back();
        if (s.back() == '.')
            s.pop_back();
    }
    if (s == "-0")
        s = "0";
    return s;
}

} // namespace electd::core
