// Alerts, the exit poll and projections over a replay of the 2024 night, through the API.
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;

namespace {

// Every alert, paged through GET /v1/alerts with since and limit.
std::vector<json::object> all_alerts(cli::http_client& client, std::string const& filter = "")
{
    std::vector<json::object> out;
    std::int64_t since = 0;
    for (;;) {
        auto page = get_json(client, "/v1/alerts?limit=500&since=" + std::to_string(since) + filter);
        for (auto const& a : page.at("alerts").as_array())
            out.push_back(a.as_object());
        since = page.at("next_since").as_int64();
        if (!page.at("more").as_bool())
            return out;
    }
}

std::size_t count_type(std::vector<json::object> const& alerts, std::string_view type)
{
    return static_cast<std::size_t>(
        std::count_if(alerts.begin(), alerts.end(), [&](json::object const& a) { return a.at("type").as_string() == type; }));
}

struct replayed {
    temp_dir dir;
    daemon_process daemon{dir / "electd.db", {"--admin-token", "test-admin-token"}};
    cli::http_client client{daemon.url()};
    replayed()
    {
        auto r = run_electd({"replay", "--fast", "--quiet", "--url", daemon.url()});
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
    }
};

} // namespace

TEST_CASE("The 2024 night's alerts: a gain or hold per seat, upsets, one majority, the seats to watch",
          "[e2e][alerts]")
{
    replayed night;
    auto alerts = all_alerts(night.client);
    REQUIRE_FALSE(alerts.empty());
    for (std::size_t i = 0; i < alerts.size(); ++i) { // gap-free from 1, oldest first
        REQUIRE(alerts[i].at("seq").as_int64() == static_cast<std::int64_t>(i + 1));
        CHECK(alerts[i].at("text").as_string().size() > 0);
        CHECK(alerts[i].contains("severity"));
        CHECK(alerts[i].contains("at"));
        CHECK(alerts[i].at("data").is_object());
    }

    // One gain alert per seat that changed hands, a hold for every other: one each per seat.
    std::map<std::string, int> gains;
    std::set<std::string> seats;
    auto const& official = official_results();
    for (auto const& a : alerts) {
        auto type = a.at("type").as_string();
        if (type != "gain" && type != "hold")
            continue;
        std::string ons(a.at("constituency").as_string());
        CHECK(seats.insert(ons).second);
        bool official_gain = official.at(ons).result.find("gain") != std::string::npos;
        CHECK((type == "gain") == official_gain);
        if (type == "gain")
            gains[std::string(a.at("parties").as_array()[0].as_string())]++;
    }
    CHECK(seats.size() == 650);
    CHECK(gains["Lab"] == 218);
    CHECK(gains["LD"] == 64);
    CHECK(gains["RUK"] == 5);
    CHECK(gains["Ind"] == 6);

    // The exit poll gave these winners under 50%: Leicester East and Leicester South among them.
    std::set<std::string> upsets;
    for (auto const& a : alerts)
        if (a.at("type").as_string() == "exit_poll_upset") {
            upsets.insert(std::string(a.at("constituency").as_string()));
            CHECK(a.at("data").at("winner_probability").to_number<double>() < 0.5);
        }
    CHECK(upsets.count("E14001326"));
    CHECK(upsets.count("E14001327"));

    // Exactly one majority alert, at Labour's 326th seat, and it is critical.
    REQUIRE(count_type(alerts, "majority") == 1);
    auto majority = *std::find_if(alerts.begin(), alerts.end(), [](auto const& a) { return a.at("type").as_string() == "majority"; });
    CHECK(majority.at("severity").as_string() == "critical");
    CHECK(majority.at("parties").as_array()[0].as_string() == "Lab");
    CHECK(majority.at("data").at("seats").as_int64() == 326);

    // The ten seats to watch, each once.
    std::set<std::string> watched;
    for (auto const& a : alerts)
        if (a.at("type").as_string() == "watchlist")
            watched.insert(std::string(a.at("constituency").as_string()));
    CHECK(watched == std::set<std::string>{"E14001193", "E14001194", "E14001068", "E14001326", "E14001327",
                                           "E14001404", "E14001355", "E14001079", "E14001342", "E14001066"});
    CHECK(count_type(alerts, "bellwether") == 3);
    CHECK(count_type(alerts, "milestone") == 8); // first, every 100, last
    CHECK(count_type(alerts, "retraction") == 0);

    // Filters: by type and party, severity, region, constituency.
    auto ld_gains = all_alerts(night.client, "&type=gain&party=LD");
    CHECK(ld_gains.size() >= 64);
    for (auto const& a : ld_gains)
        CHECK(a.at("type").as_string() == "gain");
    auto critical = all_alerts(night.client, "&min_severity=critical");
    for (auto const& a : critical)
        CHECK(a.at("severity").as_string() == "critical");
    CHECK(std::any_of(critical.begin(), critical.end(), [](auto const& a) { return a.at("type").as_string() == "majority"; }));
    auto east_mids = all_alerts(night.client, "&region=East%20Midlands&type=gain,hold");
    CHECK(east_mids.size() == 47);
    auto derby = all_alerts(night.client, "&constituency=E14001193");
    CHECK(derby.front().at("text").as_string() == "Labour gain Derby North from Conservative, majority 8,915");
    CHECK(night.client.get("/v1/alerts?min_severity=huge").status == 400);
    CHECK(night.client.get("/v1/alerts?type=gian").status == 400);
    CHECK(night.client.get("/v1/alerts?since=-1").status == 400);

    // The comparison is stored with each declaration and served with the seat.
    auto lough = get_json(night.client, "/v1/constituencies/E14001342");
    auto const& cmp = lough.at("comparison");
    CHECK(cmp.at("exit_poll").at("favourite").as_string() == "Lab");
    CHECK(cmp.at("target").at("rank").as_int64() >= 59);
    CHECK(cmp.at("models").as_array().size() >= 9);
    bool lab_target = false;
    for (auto const& t : lough.at("targets").as_array())
        if (t.at("party").as_string() == "Lab") {
            lab_target = true;
            CHECK(t.at("swing_needed").to_number<double>() == Approx(5.9).margin(0.05));
        }
    CHECK(lab_target);
    CHECK(lough.at("bellwether").at("note").as_string().size() > 0);
}

TEST_CASE("The exit poll and projections: scoreboard and projected seats through the API", "[e2e][projections]")
{
    replayed night;
    auto ep = get_json(night.client, "/v1/exit-poll");
    CHECK(ep.at("seats_covered").as_int64() == 632);
    auto const& board = ep.at("scoreboard");
    CHECK(board.at("called").as_int64() == 632);
    CHECK(board.at("right").as_int64() + board.at("wrong").as_int64() == 632);
    CHECK(board.at("right").as_int64() > 550);
    // With every seat declared, the projection is the result.
    for (auto const& row : ep.at("projected_seats").as_array()) {
        if (row.at("party").as_string() == "Lab") {
            CHECK(row.at("declared").as_int64() == 411);
            CHECK(row.at("projected").to_number<double>() == Approx(411));
            CHECK(row.at("national").as_int64() == 410);
        }
    }
    auto list = get_json(night.client, "/v1/projections");
    std::set<std::string> names;
    for (auto const& m : list.at("models").as_array()) {
        names.insert(std::string(m.at("name").as_string()));
        if (m.at("kind").as_string() == "shares")
            CHECK(m.at("scoreboard").at("mean_abs_share_error").to_number<double>() > 0);
    }
    for (auto const* n : {"exit_poll", "yougov", "electoralcalculus", "survation", "ft", "samfr", "manifold",
                          "scenario:reform-at-ukip-2015"})
        CHECK(names.count(n));
    auto yougov = get_json(night.client, "/v1/projections/yougov");
    CHECK(yougov.at("scoreboard").at("called").as_int64() == 631);
    CHECK(night.client.get("/v1/projections/nobody").status == 404);

    // The explainer's question, as a uniform swing from the notional baseline.
    auto ukip = get_json(night.client, "/v1/scenarios/uniform-swing?RUK=10.59&Con=-10.59");
    std::int64_t con = 0;
    for (auto const& p : ukip.at("parties").as_array())
        if (p.at("party").as_string() == "Con")
            con = p.at("seats").as_int64();
    CHECK(con > 0);
    CHECK(con < 372); // the notional Conservative seats
    CHECK(night.client.get("/v1/scenarios/uniform-swing?Nope=1").status == 400);
}

TEST_CASE("A corrected revision that changes the winner retracts the earlier alert; numbering continues after a restart",
          "[e2e][alerts]")
{
    temp_dir dir;
    std::int64_t gain_seq = 0;
    {
        daemon_process daemon(dir / "electd.db");
        cli::http_client client(daemon.url());
        auto first = client.post_json("/v1/declarations", R"({"constituency":"E14001193","declared_at":"2024-07-05T03:33:00+01:00",
            "candidates":[{"name":"Catherine Atkinson","party":"Lab","votes":18619},{"name":"Amanda Solloway","party":"Con","votes":9704}]})");
        REQUIRE(first.status == 201);
        auto raised = json::parse(first.body).at("alerts").as_array();
        REQUIRE_FALSE(raised.empty());
        CHECK(raised[0].at("type").as_string() == "gain");
        gain_seq = raised[0].at("seq").as_int64();
        // A resend raises nothing.
        auto again = client.post_json("/v1/declarations", R"({"constituency":"E14001193","declared_at":"2024-07-05T03:33:00+01:00",
            "candidates":[{"name":"Catherine Atkinson","party":"Lab","votes":18619},{"name":"Amanda Solloway","party":"Con","votes":9704}]})");
        CHECK(again.status == 200);
        CHECK(json::parse(again.body).at("alerts").as_array().empty());
        CHECK(daemon.terminate() == 0);
    }
    daemon_process daemon(dir / "electd.db");
    cli::http_client client(daemon.url());
    auto last = get_json(client, "/v1/alerts").at("last_seq").as_int64();
    auto fixed = client.post_json("/v1/declarations", R"({"constituency":"E14001193","revision":2,"declared_at":"2024-07-05T04:10:00+01:00",
        "candidates":[{"name":"Catherine Atkinson","party":"Lab","votes":9000},{"name":"Amanda Solloway","party":"Con","votes":9704}]})");
    INFO(fixed.body);
    REQUIRE(fixed.status == 201);
    auto raised = json::parse(fixed.body).at("alerts").as_array();
    REQUIRE(raised.size() >= 2);
    CHECK(raised[0].at("type").as_string() == "retraction");
    CHECK(raised[0].at("seq").as_int64() == last + 1);
    CHECK(raised[0].at("retracts").as_int64() == gain_seq);
    CHECK(raised[1].at("type").as_string() == "hold");
    CHECK(get_json(client, "/v1/alerts?type=retraction").at("alerts").as_array().size() == 1);
}

TEST_CASE("Replaying the same night twice gives the same alerts in the same order", "[e2e][alerts]")
{
    replayed a;
    replayed b;
    auto first = all_alerts(a.client);
    auto second = all_alerts(b.client);
    REQUIRE(first.size() == second.size());
    for (std::size_t i = 0; i < first.size(); ++i)
        CHECK(json::serialize(first[i]) == json::serialize(second[i]));
}

TEST_CASE("The exit poll can be replaced on the night by an authenticated admin upload", "[e2e][admin]")
{
    temp_dir dir;
    daemon_process daemon(dir / "electd.db", {"--admin-token", "s3cret"});
    cli::http_client client(daemon.url());
    std::string body = R"({"title":"Exit poll 22:00","kind":"probabilities","published":"2024-07-04T22:00:00+01:00",
        "national":{"Lab":410,"Con":131,"LD":61,"RUK":13,"SNP":10,"PC":4,"Green":2,"Oth":19},
        "seats":{"E14001193":{"Lab":0.9,"Con":0.1},"E14001342":{"Lab":0.7,"Con":0.3}}})";
    CHECK(client.request("PUT", "/v1/admin/models/exit_poll", body).status == 401);
    CHECK(client.request("PUT", "/v1/admin/models/exit_poll", body, "application/json",
                         {{"Authorization", "Bearer wrong!"}}).status == 401);
    auto ok = client.request("PUT", "/v1/admin/models/exit_poll", body, "application/json",
                             {{"Authorization", "Bearer s3cret"}});
    INFO(ok.body);
    REQUIRE(ok.status == 200); // replaces the bundled one
    auto v = json::parse(ok.body);
    CHECK(v.at("status").as_string() == "replaced");
    REQUIRE(v.at("alerts").as_array().size() == 1);
    auto const& alert = v.at("alerts").as_array()[0];
    CHECK(alert.at("type").as_string() == "exit_poll");
    CHECK(alert.at("text").as_string() == "Exit poll: Lab 410, Con 131, LD 61, Oth 19, RUK 13, SNP 10, PC 4, Green 2 "
                                          "(Labour majority of 170)");
    auto ep = get_json(client, "/v1/exit-poll");
    CHECK(ep.at("title").as_string() == "Exit poll 22:00");
    CHECK(ep.at("seats_covered").as_int64() == 2);

    auto bad = client.request("PUT", "/v1/admin/models/exit_poll", R"({"kind":"probabilities","seats":{"E1":{"Lab":2}}})",
                              "application/json", {{"Authorization", "Bearer s3cret"}});
    CHECK(bad.status == 422);
    auto scenario = client.request("PUT", "/v1/admin/scenarios/lab-plus-5", R"({"title":"Lab +5","changes":{"Lab":5,"Con":-5}})",
                                   "application/json", {{"Authorization", "Bearer s3cret"}});
    CHECK(scenario.status == 201);
    CHECK(get_json(client, "/v1/projections/scenario:lab-plus-5").at("kind").as_string() == "shares");

    temp_dir other;
    daemon_process closed(other / "electd.db");
    cli::http_client c2(closed.url());
    auto off = c2.request("PUT", "/v1/admin/models/exit_poll", body);
    CHECK(off.status == 403);
    CHECK(json::parse(off.body).at("message").as_string().find("--admin-token") != std::string::npos);
}
