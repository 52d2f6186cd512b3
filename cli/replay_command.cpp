#include "cli/replay_command.hpp"

#include "cli/http_client.hpp"
#include "core/text.hpp"
#include "embed/embedded.hpp"
#include "feeds/night_file.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unistd.h>

namespace electd::cli {
namespace json = boost::json;
using core::thousands;
using clock = std::chrono::steady_clock;

namespace {

std::vector<feeds::night_declaration> load_night(replay_options const& opt)
{
    if (opt.night_dir) {
        return feeds::read_night([&](std::string const& name) -> std::optional<std::string> {
            std::ifstream in(std::filesystem::path(*opt.night_dir) / name, std::ios::binary);
            if (!in)
                return std::nullopt;
            std::ostringstream s;
            s << in.rdbuf();
            return s.str();
        });
    }
    return feeds::read_night([](std::string const& name) -> std::optional<std::string> {
        if (auto d = embedded::find("data/ge2024/night/" + name))
            return std::string(*d);
        return std::nullopt;
    });
}

std::string clock_text(std::string const& rfc3339)
{
    return rfc3339.size() >= 16 ? rfc3339.substr(11, 5) : rfc3339; // "HH:MM" in the sender's zone
}

// Sends with retries while the daemon is unreachable or answers 503 (restarting, disk full).
http_answer send(http_client& client, std::string const& body, double retry_for)
{
    auto give_up = clock::now() + std::chrono::milliseconds(static_cast<long>(retry_for * 1000));
    auto backoff = std::chrono::milliseconds(100);
    for (;;) {
        try {
            auto a = client.post_json("/v1/declarations", body);
            if (a.status != 503)
                return a;
        } catch (boost::system::system_error const& e) {
            if (clock::now() >= give_up)
                throw;
        }
        if (clock::now() >= give_up)
            throw std::runtime_error("the daemon kept answering 503 for " + std::to_string(retry_for) + "s");
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
}

// ONS code -> name, from the daemon itself (waiting for it to come up if need be).
std::unordered_map<std::string, std::string> seat_names(http_client& client, double retry_for)
{
    auto give_up = clock::now() + std::chrono::milliseconds(static_cast<long>(retry_for * 1000));
    for (;;) {
        try {
            auto a = client.get("/v1/constituencies");
            if (a.status != 200)
                throw std::runtime_error("GET /v1/constituencies answered " + std::to_string(a.status));
            std::unordered_map<std::string, std::string> out;
            auto doc = json::parse(a.body);
            for (auto const& c : doc.at("constituencies").as_array())
                out[std::string(c.at("ons_code").as_string())] = std::string(c.at("name").as_string());
            return out;
        } catch (boost::system::system_error const&) {
            if (clock::now() >= give_up)
                throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
}

void print_totals(http_client& client)
{
    auto a = client.get("/v1/totals");
    if (a.status != 200)
        return;
    auto t = json::parse(a.body).at("totals").as_object();
    std::printf("\nState of the parties: %lld of %lld seats declared (majority line %lld)\n",
                static_cast<long long>(t.at("declared").as_int64()), static_cast<long long>(t.at("total_seats").as_int64()),
                static_cast<long long>(t.at("majority_line").as_int64()));
    std::printf("  %-8s %6s %6s %6s %12s %7s %8s\n", "party", "seats", "gains", "losses", "votes", "share", "change");
    for (auto const& pv : t.at("parties").as_array()) {
        auto const& p = pv.as_object();
        if (p.at("seats").as_int64() == 0 && p.at("losses").as_int64() == 0)
            continue;
        auto change = p.at("share_change");
        char change_text[16] = "";
        if (!change.is_null())
            std::snprintf(change_text, sizeof change_text, "%+.1f", change.to_number<double>());
        std::printf("  %-8s %6lld %6lld %6lld %12s %6.1f%% %8s\n", std::string(p.at("party").as_string()).c_str(),
                    static_cast<long long>(p.at("seats").as_int64()), static_cast<long long>(p.at("gains").as_int64()),
                    static_cast<long long>(p.at("losses").as_int64()), thousands(p.at("votes").as_int64()).c_str(),
                    p.at("share").to_number<double>(), change_text);
    }
}

} // namespace

int run_replay(replay_options const& opt)
{
    auto night = load_night(opt);
    if (opt.limit > 0 && opt.limit < night.size())
        night.resize(opt.limit);
    if (night.empty()) {
        std::cerr << "electd replay: nothing to replay\n";
        return 1;
    }
    http_client client(opt.url);
    client.set_token(opt.token);
    bool tty = isatty(STDOUT_FILENO);
    auto names = seat_names(client, opt.retry_for);
    if (opt.fast)
        std::printf("Replaying %zu declarations into %s as fast as it takes them\n", night.size(), opt.url.c_str());
    else
        std::printf("Replaying %zu declarations into %s at %gx (an hour of the night in %.0f seconds)\n", night.size(),
                    opt.url.c_str(), opt.speed, 3600 / opt.speed);

    std::size_t created = 0, duplicates = 0, refused = 0;
    auto wall = clock::now();
    auto started = wall;
    for (std::size_t i = 0; i < night.size(); ++i) {
        auto const& d = night[i];
        if (!opt.fast && i > 0) {
            double gap = std::chrono::duration<double>(d.at - night[i - 1].at).count() / opt.speed;
            if (opt.max_wait > 0)
                gap = std::min(gap, opt.max_wait);
            wall += std::chrono::microseconds(static_cast<long long>(gap * 1e6));
            std::this_thread::sleep_until(wall);
        }
        auto answer = send(client, d.to_native_json(), opt.retry_for);
        std::string line;
        if (answer.status == 201 || answer.status == 200) {
            (answer.status == 201 ? created : duplicates)++;
            auto v = json::parse(answer.body).as_object();
            auto const& r = v.at("result").is_object() ? v.at("result").as_object() : json::object();
            std::string text = r.contains("text") ? std::string(r.at("text").as_string()) : "";
            bool gain = r.contains("gain") && r.at("gain").as_bool();
            auto majority = r.contains("majority") ? r.at("majority").as_int64() : 0;
            char buf[512];
            std::snprintf(buf, sizeof buf, "[%3zu/%zu] %s %-40.40s %s%-22s%s maj %s%s", i + 1, night.size(),
                          clock_text(d.declared_at).c_str(), names[d.ons_code].c_str(), tty && gain ? "\033[1;33m" : "",
                          text.c_str(), tty && gain ? "\033[0m" : "", thousands(majority).c_str(),
                          answer.status == 200 ? "  (already stored)" : "");
            line = buf;
            // The alerts the declaration raised, beyond its own gain or hold line.
            if (auto const* alerts = v.if_contains("alerts"); alerts && alerts->is_array()) {
                for (auto const& a : alerts->as_array()) {
                    auto type = a.at("type").as_string();
                    if (type == "gain" || type == "hold")
                        continue;
                    auto level = std::string(a.at("severity").as_string());
                    char const* colour = level == "critical" ? "\033[1;31m" : level == "high" ? "\033[31m"
                                         : level == "medium"  ? "\033[33m" : "\033[2m";
                    line += "\n          " + std::string(tty ? colour : "") + "! " + std::string(type) + ": "
                            + std::string(a.at("text").as_string()) + (tty ? "\033[0m" : "");
                }
            }
        } else {
            ++refused;
            line = "[" + std::to_string(i + 1) + "/" + std::to_string(night.size()) + "] " + names[d.ons_code] + ": HTTP "
                   + std::to_string(answer.status) + " " + answer.body;
        }
        if (!opt.quiet || (answer.status != 201 && answer.status != 200))
            std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    }
    double secs = std::chrono::duration<double>(clock::now() - started).count();
    std::printf("\nReplayed %zu declarations in %.1fs: %zu stored, %zu already stored, %zu refused\n", night.size(),
                secs, created, duplicates, refused);
    print_totals(client);
    return refused == 0 ? 0 : 2;
}

} // namespace electd::cli
