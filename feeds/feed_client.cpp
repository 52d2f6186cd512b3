#include "feeds/feed_client.hpp"

#include "support/log.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace electd::feeds {

std::function<void(std::exception_ptr)> report_stop(std::string who)
{
    return [who = std::move(who)](std::exception_ptr ex) {
        if (!ex)
            return;
        try {
            std::rethrow_exception(ex);
        } catch (std::exception const& e) {
            module_logger("feeds")->error("{} stopped: {}", who, e.what());
        }
    };
}

void status_board::error(std::string const& kind, std::string const& message)
{
    std::lock_guard lock(mutex_);
    ++status_.errors[kind];
    status_.last_error = message;
    status_.last_error_ms = unix_ms_now();
}

backoff::backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap)
    : first_(std::max(first, std::chrono::milliseconds(1))), cap_(std::max(cap, first_))
{
}

std::chrono::milliseconds backoff::next()
{
    auto base = std::min<std::int64_t>(cap_.count(), first_.count() << std::min(attempts_, 30));
    ++attempts_;
    std::uniform_int_distribution<std::int64_t> pick(base / 2, base);
    return std::chrono::milliseconds(pick(random_));
}

std::int64_t unix_ms_now()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool natural_less(std::string_view a, std::string_view b)
{
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (digit(a[i]) && digit(b[j])) {
            auto si = i, sj = j;
            while (i < a.size() && digit(a[i]))
                ++i;
            while (j < b.size() && digit(b[j]))
                ++j;
            auto na = a.substr(si, i - si), nb = b.substr(sj, j - sj);
            // Compare without leading zeros: the longer number is the larger.
            auto strip = [](std::string_view s) {
                auto p = s.find_first_not_of('0');
                return p == std::string_view::npos ? std::string_view() : s.substr(p);
            };
            auto sa = strip(na), sb = strip(nb);
            if (sa.size() != sb.size())
                return sa.size() < sb.size();
            if (sa != sb)
                return sa < sb;
            if (na.size() != nb.size())
                return na.size() < nb.size();
            continue;
        }
        if (a[i] != b[j])
            return a[i] < b[j];
        ++i;
        ++j;
    }
    return a.size() - i < b.size() - j;
}

std::string content_type_for(std::string_view file_name)
{
    auto ends_with = [&](std::string_view ext) {
        return file_name.size() >= ext.size()
               && std::equal(ext.begin(), ext.end(), file_name.end() - static_cast<std::ptrdiff_t>(ext.size()),
                             [](char x, char y) { return x == std::tolower(static_cast<unsigned char>(y)); });
    };
    if (ends_with(".xml"))
        return "application/xml";
    if (ends_with(".json"))
        return "application/json";
    return {};
}

std::string sha256_hex(std::string_view data)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

} // namespace electd::feeds
