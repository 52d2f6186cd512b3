#pragma once
// Helpers for end-to-end tests: talk to a daemon, read the recorded night and the official
// results, and look inside a database file read-only.
#include "cli/http_client.hpp"
#include "feeds/night_file.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <map>
#include <string>

namespace electd::test {

/// GETs `target` and parses the JSON answer, failing the test unless it is 200.
boost::json::value get_json(cli::http_client& client, std::string const& target);

/// The bundled 2024 night, in declaration order.
std::vector<feeds::night_declaration> const& the_night();

struct official_result {
    std::string ons_code, name, result, first_party;
    std::int64_t valid_votes = 0, majority = 0;
};
/// The Commons Library's results (data/ge2024/night/official_results.csv), by ONS code.
std::map<std::string, official_result> const& official_results();

/// Runs a single-value query on a database file through a read-only connection.
std::int64_t query_int(std::filesystem::path const& db, std::string const& sql);
std::string query_text(std::filesystem::path const& db, std::string const& sql);

/// A party's row in GET /v1/totals (an empty object if absent).
boost::json::object party_row(boost::json::value const& totals, std::string const& party);

} // namespace electd::test
