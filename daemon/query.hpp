#pragma once
// Query-string parameters, percent-decoded, with typed accessors that explain bad values.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

namespace electd::daemon {

/// A parameter with a value that cannot be used; the message says which and why (answer 400).
class bad_parameter : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class query_params {
public:
    explicit query_params(std::string_view query);

    std::optional<std::string> get(std::string const& name) const;
    /// An integer within [min, max], or `fallback` when absent.
    std::int64_t integer(std::string const& name, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
    /// Comma-separated values of every occurrence ("type=gain,hold&type=majority").
    std::set<std::string> list(std::string const& name) const;
    bool flag(std::string const& name) const; // "true", "1", or present without a value
    std::multimap<std::string, std::string> const& all() const { return params_; }

private:
    std::multimap<std::string, std::string> params_;
};

} // namespace electd::daemon
