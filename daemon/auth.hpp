#pragma once
// Who may do what: bearer tokens with roles (read, ingest, admin), kept as SHA-256 hashes and
// compared in constant time, with a request rate per token. With no read or ingest tokens
// configured (allowed on loopback only) reads and ingest are open, as on a developer's machine;
// admin always needs a token.
// Thread-safe: the token table is replaced whole on reload; lookups never block each other.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace electd::daemon {

enum class role { read, ingest, admin };

char const* to_string(role r);
std::optional<role> role_from(std::string_view s);

struct token_config {
    std::string name;          // for logs and metrics, never the token itself
    role grants = role::read;  // admin may do everything; ingest may also read
    std::string sha256;        // lower-case hex of the token
    double rate = 0;           // requests per second allowed (0: unlimited); bursts of 2x
};

/// The lower-case hex SHA-256 of a token, as the configuration stores it.
std::string token_hash(std::string_view token);

enum class verdict { allowed, unauthenticated, forbidden, rate_limited };

struct auth_decision {
    verdict outcome = verdict::allowed;
    std::string token_name; // who, when a token was presented and known
};

class authenticator {
public:
    authenticator(std::vector<token_config> tokens, bool open_reads);
    /// Replaces the tokens (SIGHUP); rate buckets of tokens that stay are kept.
    void reload(std::vector<token_config> tokens, bool open_reads);

    /// `authorization` is the request's header ("Bearer ..."), possibly empty.
    auth_decision check(std::string_view authorization, role needed);
    /// True when reads and ingest need tokens (some read or ingest token is configured).
    bool guarded() const;
    /// True when some token has the admin role.
    bool admin_enabled() const;

private:
    struct table {
        std::vector<token_config> tokens;
        bool open_reads = false;
        bool guarded = false;
        bool admin = false;
    };
    struct bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point at{};
    };
    std::atomic<std::shared_ptr<table const>> table_;
    std::mutex buckets_mutex_;
    std::map<std::string, bucket> buckets_;
};

} // namespace electd::daemon
