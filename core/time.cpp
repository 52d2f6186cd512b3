#include "core/time.hpp"


namespace electd::core {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out)
{
    if (pos + n > s.size())
        return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

} // namespace

std::optional<zoned_time> parse_rfc3339(std::string_view s)
{
    using namespace std::chrono;
    int y, mo, d, h, mi, sec = 0, ms = 0;
    if (!digits(s, 0, 4, y) || s.size() < 16 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-'
        || !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        || !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi))
        return std::nullopt;
    std::size_t pos = 16;
    if (pos < s.size() && s[pos] == ':') {
        if (!digits(s, pos + 1, 2, sec))
            return std::nullopt;
        pos += 3;
        if (pos < s.size() && s[pos] == '.') {
            std::size_t start = ++pos;
            int scale = 100;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                ms += (s[pos] - '0') * scale; // digits past milliseconds are truncated
                scale /= 10;
                ++pos;
            }
            if (pos == start)
                return std::nullopt;
        }
    }
    int offset = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int oh, om;
        if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':'
            || !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
            return std::nullopt;
        offset = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt; // a time without an offset is ambiguous on election night
    }
    if (pos != s.size())
        return std::nullopt;

    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60)
        return std::nullopt;
    auto local = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) + milliseconds(ms);
    return zoned_time{local - minutes(offset), offset};
}

std::string format_rfc3339(timestamp t, int offset_minutes, bool utc_as_z)
{
    using namespace std::chrono;
    auto local = t + minutes(offset_minutes);
    auto day_point = floor<days>(local);
    year_month_day ymd{day_point};
    hh_mm_ss<milliseconds> tod{local - day_point};
    // Written digit by digit: this runs for every seat view and alert, and snprintf showed up.
    char buf[32];
    char* p = buf;
    auto put = [&](int v, int width) {
        for (int i = width - 1; i >= 0; --i, v /= 10)
            p[i] = static_cast<char>('0' + v % 10);
        p += width;
    };
    put(static_cast<int>(ymd.year()), 4);
    *p++ = '-';
    put(static_cast<int>(static_cast<unsigned>(ymd.month())), 2);
    *p++ = '-';
    put(static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
    *p++ = 'T';
    put(static_cast<int>(tod.hours().count()), 2);
    *p++ = ':';
    put(static_cast<int>(tod.minutes().count()), 2);
    *p++ = ':';
    put(static_cast<int>(tod.seconds().count()), 2);
    if (auto ms = static_cast<int>(tod.subseconds().count()); ms != 0) {
        *p++ = '.';
        put(ms, 3);
    }
    if (offset_minutes == 0 && utc_as_z) {
        *p++ = 'Z';
    } else {
        int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
        *p++ = offset_minutes < 0 ? '-' : '+';
        put(a / 60, 2);
        *p++ = ':';
        put(a % 60, 2);
    }
    return std::string(buf, p);
}

} // namespace electd::core
