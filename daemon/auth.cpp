#include "daemon/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace electd::daemon {

char const* to_string(role r)
{
    switch (r) {
    case role::read: return "read";
    case role::ingest: return "ingest";
    case role::admin: return "admin";
    }
    return "read";
}

std::optional<role> role_from(std::string_view s)
{
    if (s == "read")
        return role::read;
    if (s == "ingest")
        return role::ingest;
    if (s == "admin")
        return role::admin;
    return std::nullopt;
}

std::string token_hash(std::string_view token)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

authenticator::authenticator(std::vector<token_config> tokens, bool open_reads)
{
    reload(std::move(tokens), open_reads);
}

void authenticator::reload(std::vector<token_config> tokens, bool open_reads)
{
    table t{std::move(tokens), open_reads};
    for (auto const& tok : t.tokens)
        (tok.grants == role::admin ? t.admin : t.guarded) = true;
    table_.store(std::make_shared<table const>(std::move(t)));
}

bool authenticator::guarded() const
{
    return table_.load()->guarded;
}

bool authenticator::admin_enabled() const
{
    return table_.load()->admin;
}

auth_decision authenticator::check(std::string_view authorization, role needed)
{
    auto t = table_.load();
    if ((needed != role::admin && !t->guarded) || (needed == role::read && t->open_reads))
        return {};
    constexpr std::string_view bearer = "Bearer ";
    if (!authorization.starts_with(bearer))
        return {verdict::unauthenticated, {}};
    auto presented = token_hash(authorization.substr(bearer.size()));
    // Every configured hash is compared, in constant time, whichever matches.
    token_config const* match = nullptr;
    for (auto const& tok : t->tokens)
        if (tok.sha256.size() == presented.size()
            && CRYPTO_memcmp(tok.sha256.data(), presented.data(), presented.size()) == 0)
            match = &tok;
    if (!match)
        return {verdict::unauthenticated, {}};
    bool ok = match->grants == role::admin || match->grants == needed
              || (match->grants == role::ingest && needed == role::read);
    if (!ok)
        return {verdict::forbidden, match->name};
    if (match->rate > 0) {
        // A token bucket per token: `rate` per second, up to twice that in a burst.
        std::lock_guard lock(buckets_mutex_);
        auto& b = buckets_[match->name];
        auto now = std::chrono::steady_clock::now();
        if (b.at == std::chrono::steady_clock::time_point{})
            b.tokens = 2 * match->rate;
        else
            b.tokens = std::min(2 * match->rate, b.tokens + match->rate * std::chrono::duration<double>(now - b.at).count());
        b.at = now;
        if (b.tokens < 1)
            return {verdict::rate_limited, match->name};
        b.tokens -= 1;
    }
    return {verdict::allowed, match->name};
}

} // namespace electd::daemon
