#include "tests/support/api.hpp"

#include "embed/embedded.hpp"
#include "storage/sqlite.hpp"
#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

#include <limits>
#define CSV_IO_NO_THREAD
#include <libfccp/csv.h>

namespace electd::test {

boost::json::value get_json(cli::http_client& client, std::string const& target)
{
    auto a = client.get(target);
    INFO("GET " << target << " -> " << a.status << " " << a.body.substr(0, 500));
    REQUIRE(a.status == 200);
    return boost::json::parse(a.body);
}

std::vector<feeds::night_declaration> const& the_night()
{
    static auto const night = feeds::read_night([](std::string const& name) -> std::optional<std::string> {
        if (auto d = embedded::find("data/ge2024/night/" + name))
            return std::string(*d);
        return std::nullopt;
    });
    return night;
}

std::map<std::string, official_result> const& official_results()
{
    static auto const results = [] {
        std::map<std::string, official_result> out;
        io::CSVReader<6, io::trim_chars<' '>, io::double_quote_escape<',', '"'>> r(
            (source_dir() / "data/ge2024/night/official_results.csv").string());
        r.read_header(io::ignore_extra_column, "ons_code", "name", "result", "first_party", "valid_votes", "majority");
        official_result o;
        while (r.read_row(o.ons_code, o.name, o.result, o.first_party, o.valid_votes, o.majority))
            out[o.ons_code] = o;
        return out;
    }();
    return results;
}

std::int64_t query_int(std::filesystem::path const& db, std::string const& sql)
{
    storage::connection c(db.string(), storage::connection::mode::read_only);
    storage::statement q(c, sql);
    REQUIRE(q.step());
    return q.int64(0);
}

std::string query_text(std::filesystem::path const& db, std::string const& sql)
{
    storage::connection c(db.string(), storage::connection::mode::read_only);
    storage::statement q(c, sql);
    REQUIRE(q.step());
    return q.text(0);
}

boost::json::object party_row(boost::json::value const& totals, std::string const& party)
{
    for (auto const& p : totals.at("totals").at("parties").as_array())
        if (p.at("party").as_string() == party)
            return p.as_object();
    return {};
}

} // namespace electd::test
