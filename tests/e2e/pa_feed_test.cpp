// PA Media's own rehearsal feed (the 2026 Scottish Parliament test: 75 results, 74 rushes, 73
// states of the parties) into an electd that has no reference data for it.
#include "feeds/pa_xml.hpp"
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

struct pa_file {
    std::string name;
    std::string body;
    feeds::pa_message message;
};

std::vector<pa_file> load_files()
{
    std::vector<pa_file> out;
    for (auto const& e : fs::directory_iterator(source_dir() / "tests/data/pa_scottish_2026")) {
        std::ifstream in(e.path(), std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        auto parsed = feeds::parse_pa_xml(s.str());
        REQUIRE(parsed.message);
        out.push_back({e.path().filename().string(), s.str(), *parsed.message});
    }
    std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return a.name < b.name; });
    REQUIRE(out.size() == 222);
    return out;
}

// The order of the night: results by declaration time, each seat's rush just before its first
// result, and each state of the parties as soon as the seats it lists have all declared.
std::vector<pa_file const*> night_order(std::vector<pa_file> const& files)
{
    std::vector<pa_file const*> results, sops;
    std::map<int, std::map<int, pa_file const*>> rushes; // seat -> revision -> rush
    for (auto const& f : files) {
        if (auto const* r = std::get_if<feeds::pa_result>(&f.message)) {
            if (r->rush)
                rushes[r->constituency.number][r->revision] = &f;
            else
                results.push_back(&f);
        } else if (std::holds_alternative<feeds::pa_state_of_parties>(f.message)) {
            sops.push_back(&f);
        }
    }
    std::stable_sort(results.begin(), results.end(), [](auto const* a, auto const* b) {
        return *std::get<feeds::pa_result>(a->message).declaration_time
               < *std::get<feeds::pa_result>(b->message).declaration_time;
    });
    std::vector<pa_file const*> out;
    std::set<int> declared;
    std::map<int, std::int64_t> votes; // each seat's votes in its latest result
    std::set<pa_file const*> sent;
    for (auto const* f : results) {
        auto const& r = std::get<feeds::pa_result>(f->message);
        int n = r.constituency.number;
        // The seat's rushes up to this revision come first (a corrected rush before its result).
        auto& pending = rushes[n];
        while (!pending.empty() && pending.begin()->first <= r.revision) {
            out.push_back(pending.begin()->second);
            pending.erase(pending.begin());
        }
        out.push_back(f);
        declared.insert(n);
        votes[n] = 0;
        for (auto const& c : r.constituency.candidates)
            votes[n] += c.votes.value_or(0);
        std::int64_t total = 0;
        for (auto const& [seat, v] : votes)
            total += v;
        for (auto const* s : sops) {
            auto const& sop = std::get<feeds::pa_state_of_parties>(s->message);
            std::set<int> listed;
            for (auto const& [num, name] : sop.constituencies)
                listed.insert(num);
            // Its seats have declared, with the figures it counted (later revisions change them).
            if (!sent.count(s) && listed == declared && sop.total_votes == total) {
                out.push_back(s);
                sent.insert(s);
            }
        }
    }
    for (auto const& [n, pending] : rushes)
        for (auto const& [rev, f] : pending)
            out.push_back(f);
    for (auto const* s : sops)
        if (!sent.count(s))
            out.push_back(s);
    return out;
}

} // namespace

namespace {

struct http_answer_status {
    int status;
    json::value body;
};

http_answer_status post(cli::http_client& client, pa_file const& f)
{
    auto a = client.request("POST", "/v1/declarations?file=" + f.name, f.body, "application/xml");
    return {a.status, json::parse(a.body)};
}

// Electd's totals against PA's final state of the parties: every listed party's seats, gains,
// losses and votes, and PA's "Others" against the parties it does not list.
void check_totals_match_pa(cli::http_client& client, std::vector<pa_file> const& files)
{
    auto const& final_sop = std::get<feeds::pa_state_of_parties>(
        std::find_if(files.begin(), files.end(), [](auto const& f) { return f.name.ends_with("SOP_73.xml"); })->message);
    auto totals = get_json(client, "/v1/totals");
    CHECK(totals.at("totals").at("declared").as_int64() == 73);
    CHECK(totals.at("totals").at("total_seats").as_int64() == 73);
    std::set<std::string> listed;
    for (auto const& p : final_sop.parties) {
        if (p.party.abbreviation == "Others") {
            std::int64_t rest = 0;
            for (auto const& q : totals.at("totals").at("parties").as_array())
                if (!listed.count(std::string(q.at("party").as_string())))
                    rest += q.at("votes").as_int64();
            // every listed party precedes Others in PA's message
            CHECK(rest == p.votes);
            continue;
        }
        listed.insert(p.party.abbreviation);
        auto row = party_row(totals, p.party.abbreviation);
        INFO(p.party.abbreviation);
        REQUIRE_FALSE(row.empty());
        CHECK(row.at("seats").as_int64() == p.seats);
        CHECK(row.at("gains").as_int64() == p.gains);
        CHECK(row.at("losses").as_int64() == p.losses);
        CHECK(row.at("votes").as_int64() == p.votes);
    }
}

// Each seat's current result is PA's latest revision: winner, majority, gain or hold.
void check_seats_match_pa(cli::http_client& client, std::vector<pa_file> const& files)
{
    std::map<int, feeds::pa_result const*> latest;
    for (auto const& f : files)
        if (auto const* r = std::get_if<feeds::pa_result>(&f.message); r && !r->rush)
            if (!latest.count(r->constituency.number) || latest[r->constituency.number]->revision < r->revision)
                latest[r->constituency.number] = r;
    REQUIRE(latest.size() == 73);
    for (auto const& [number, r] : latest) {
        char code[16];
        std::snprintf(code, sizeof code, "PA%03d", number);
        auto seat = get_json(client, std::string("/v1/constituencies/") + code);
        INFO(r->constituency.name);
        auto const& res = seat.at("result");
        CHECK(res.at("winner").as_string() == r->constituency.winning_party);
        CHECK(res.at("majority").as_int64() == *r->constituency.majority);
        CHECK(res.at("gain").as_bool() == (r->constituency.gain_or_hold == "gain"));
        CHECK(seat.at("constituency").at("name").as_string() == r->constituency.name);
    }
}

} // namespace

TEST_CASE("PA's rehearsal feed in its own order: results, revisions, rushes and totals agree with PA",
          "[e2e][pa]")
{
    auto files = load_files();
    temp_dir dir;
    daemon_process daemon(dir / "electd.db", {"--open-election", "--rehearsal"});
    cli::http_client client(daemon.url());
    int disagreements = 0;
    for (auto const* f : night_order(files)) {
        auto a = post(client, *f);
        INFO(f->name << " -> " << a.status << " " << json::serialize(a.body));
        REQUIRE((a.status == 200 || a.status == 201 || a.status == 202));
        if (f->name.find("_SOP_") != std::string::npos && !a.body.at("agrees").as_bool()) {
            ++disagreements;
            WARN(f->name << ": " << json::serialize(a.body.at("differences")));
        }
    }
    CHECK(disagreements == 0); // every state of the parties, as it came, matched electd's count
    check_totals_match_pa(client, files);
    check_seats_match_pa(client, files);

    // Rushes raised their provisional gain or hold at once, and the full result did not raise it again.
    auto alerts = get_json(client, "/v1/alerts?limit=1000&type=gain,hold");
    std::map<std::string, int> per_seat;
    int provisional = 0;
    for (auto const& a : alerts.at("alerts").as_array()) {
        per_seat[std::string(a.at("constituency").as_string())]++;
        provisional += a.at("data").at("provisional").as_bool() ? 1 : 0;
    }
    // Every seat had its rush first; Banffshire's corrected rush then changed the winner.
    CHECK(provisional == 74);
    CHECK(per_seat.size() == 73);
    for (auto const& [seat, n] : per_seat)
        CHECK(n == (seat == "PA012" ? 2 : 1));
    // Banffshire & Buchan Coast: revision 3 gave the seat back to the SNP.
    auto banff = get_json(client, "/v1/constituencies/PA012");
    CHECK(banff.at("status").as_string() == "revised");
    CHECK(banff.at("result").at("text").as_string() == "SNP hold");
    CHECK(get_json(client, "/v1/alerts?type=retraction&constituency=PA012").at("alerts").as_array().size() == 1);
}

TEST_CASE("PA's rehearsal feed shuffled, with duplicates, ends in the same place", "[e2e][pa]")
{
    auto files = load_files();
    std::vector<pa_file const*> order;
    for (auto const& f : files)
        order.push_back(&f);
    std::mt19937 rng(20260506);
    std::shuffle(order.begin(), order.end(), rng);
    for (int i = 0; i < 40; ++i) // resends, anywhere
        order.insert(order.begin() + static_cast<long>(rng() % order.size()), order[rng() % order.size()]);

    temp_dir dir;
    daemon_process daemon(dir / "electd.db", {"--open-election", "--rehearsal"});
    cli::http_client client(daemon.url());
    std::map<int, int> statuses;
    for (auto const* f : order) {
        auto a = post(client, *f);
        INFO(f->name << " -> " << a.status << " " << json::serialize(a.body));
        REQUIRE((a.status == 200 || a.status == 201 || a.status == 202));
        statuses[a.status]++;
    }
    CHECK(statuses[202] > 0); // older revisions arrived after newer ones, and were kept as history
    check_totals_match_pa(client, files);
    check_seats_match_pa(client, files);
    // Every revision once: 75 results and 74 rushes.
    CHECK(daemon.terminate() == 0);
    CHECK(query_int(dir / "electd.db", "SELECT COUNT(*) FROM declarations") == 149);
    CHECK(query_int(dir / "electd.db", "SELECT COUNT(*) FROM declarations WHERE kind = 'rush'") == 74);
}

TEST_CASE("A live election refuses PA test files; a malformed file changes nothing", "[e2e][pa]")
{
    auto files = load_files();
    temp_dir dir;
    daemon_process daemon(dir / "electd.db", {"--open-election"});
    cli::http_client client(daemon.url());
    auto const& f = *std::find_if(files.begin(), files.end(), [](auto const& x) { return x.name.find("_result_") != std::string::npos; });
    auto refused = post(client, f);
    CHECK(refused.status == 422);
    CHECK(refused.body.at("error").as_string() == "test_data_refused");
    auto bad = client.request("POST", "/v1/declarations", "<FirstPastThePostResult revision=\"1\"><Election", "application/xml");
    CHECK(bad.status == 400);
    CHECK(json::parse(bad.body).at("error").as_string() == "malformed_xml");
    CHECK(get_json(client, "/v1/totals").at("totals").at("declared").as_int64() == 0);
    auto metrics = client.get("/metrics").body;
    CHECK(daemon.terminate() == 0);
    CHECK(query_int(dir / "electd.db", "SELECT COUNT(*) FROM declarations") == 0);
    CHECK(query_int(dir / "electd.db", "SELECT COUNT(*) FROM constituencies") == 0);
}
