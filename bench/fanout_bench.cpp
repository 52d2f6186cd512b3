// fanout_bench: from the POST of a declaration to its alert arriving at every one of N WebSocket
// subscribers on loopback, with the server's CPU per delivered message and memory per idle
// subscriber; and the same messages through a minimal Node.js `ws` broadcaster (the baseline).
// Prints figures; never fails on time. See bench/README.md.
#include "bench/fanout_client.hpp"
#include "bench/workload.hpp"
#include "core/text.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace po = boost::program_options;
using namespace electd::bench;

namespace {

constexpr char const* usage = R"(usage: fanout_bench --url http://127.0.0.1:PORT [--pid PID] [OPTIONS]
       fanout_bench --baseline-url http://127.0.0.1:PORT --messages FILE [--baseline-pid PID] [OPTIONS]

Connects N WebSocket subscribers to a running `electd serve` (/v1/stream, gain and hold alerts),
then POSTs first declarations one at a time and times each alert from just before its POST is
written to its arrival at every subscriber. With --baseline-url it does the same against
bench/node/broadcaster.mjs, POSTing to /publish the very alert messages electd sent (from this
run, or from a file written earlier with --capture). Both can be given: electd runs first.)";

using electd::core::fixed;

std::string grouped(std::uint64_t v)
{
    return electd::core::thousands(static_cast<std::int64_t>(v));
}

// "http://host:port" -> host, port (a path is not supported).
std::pair<std::string, std::string> split_url(std::string const& url, char const* option)
{
    std::string rest = url;
    if (rest.starts_with("http://"))
        rest = rest.substr(7);
    else if (rest.find("://") != std::string::npos)
        throw po::error(std::string(option) + " must be http://HOST:PORT");
    while (!rest.empty() && rest.back() == '/')
        rest.pop_back();
    auto colon = rest.rfind(':');
    if (colon == std::string::npos || rest.find('/') != std::string::npos)
        throw po::error(std::string(option) + " must be http://HOST:PORT");
    auto host = rest.substr(0, colon);
    if (host.size() > 2 && host.front() == '[')
        host = host.substr(1, host.size() - 2);
    return {host, rest.substr(colon + 1)};
}

void print_run(char const* name, std::string const& url, fanout_options const& opt, fanout_result const& r)
{
    std::printf("\n%s fan-out: %s subscribers, %u client thread%s, %s\n", name, grouped(opt.subscribers).c_str(),
                opt.threads, opt.threads == 1 ? "" : "s", url.c_str());
    std::printf("  connected                        %s of %s in %s s (%s failed%s%s)\n", grouped(r.connected).c_str(),
                grouped(r.requested).c_str(), fixed(r.connect_seconds, 2).c_str(), grouped(r.connect_failures).c_str(),
                r.first_failure.empty() ? "" : "; first error: ", r.first_failure.c_str());
    std::printf("  rounds                           %zu in %s s (%zu complete%s), %zu posts skipped\n", r.rounds.size(),
                fixed(r.window_seconds, 1).c_str(),
                static_cast<std::size_t>(std::count_if(r.rounds.begin(), r.rounds.end(), [](auto const& x) { return x.complete; })),
                r.dropped ? (", " + grouped(r.dropped) + " connections dropped").c_str() : "", r.skipped_posts);
    for (std::size_t i = 0; i < r.post_errors.size() && i < 3; ++i)
        std::printf("    post error: %s\n", r.post_errors[i].c_str());
    std::printf("  messages delivered               %s of %s expected (%s missing), %s bytes each; %s other messages\n",
                grouped(r.delivered).c_str(), grouped(r.expected).c_str(),
                grouped(r.expected > r.delivered ? r.expected - r.delivered : 0).c_str(), fixed(r.message_bytes, 0).c_str(),
                grouped(r.other_messages).c_str());
    auto triple = [](std::vector<std::uint32_t> const& v) {
        return "p50 " + fixed(quantile_ms(v, 0.5), 2) + "   p99 " + fixed(quantile_ms(v, 0.99), 2) + "   max "
               + fixed(quantile_ms(v, 1.0), 2);
    };
    std::printf("  latency, every arrival (ms)      %s\n", triple(r.latency_us).c_str());
    std::printf("  latency, last subscriber (ms)    %s   (per round)\n", triple(r.last_us).c_str());
    std::vector<std::uint32_t> firsts, answers;
    for (auto const& x : r.rounds) {
        if (x.received)
            firsts.push_back(x.first_us);
        answers.push_back(x.answer_us);
    }
    std::sort(firsts.begin(), firsts.end());
    std::sort(answers.begin(), answers.end());
    std::printf("  latency, first subscriber (ms)   %s\n", triple(firsts).c_str());
    std::printf("  POST answered (ms)               %s\n", triple(answers).c_str());
    if (r.server_before && r.server_idle)
        std::printf("  server RSS (MiB)                 %s before, %s with the subscribers idle, %s after the rounds"
                    " -> %s KiB per idle subscriber\n",
                    fixed(r.server_before->rss_kib / 1024.0).c_str(), fixed(r.server_idle->rss_kib / 1024.0).c_str(),
                    r.server_end ? fixed(r.server_end->rss_kib / 1024.0).c_str() : "-",
                    fixed(r.idle_bytes_per_subscriber().value_or(0) / 1024.0, 2).c_str());
    auto pct = [&](double cpu) { return fixed(r.window_seconds > 0 ? 100 * cpu / r.window_seconds : 0, 0); };
    if (r.server_cpu_seconds)
        std::printf("  server CPU in the rounds         %s s (%s%% of a core over %s s) = %s us per delivered message\n",
                    fixed(*r.server_cpu_seconds, 2).c_str(), pct(*r.server_cpu_seconds).c_str(),
                    fixed(r.window_seconds, 1).c_str(), fixed(r.server_us_per_message().value_or(0), 2).c_str());
    std::printf("  client CPU in the rounds         %s s (%s%%) = %s us per delivered message; client RSS %s MiB\n",
                fixed(r.client_cpu_seconds, 2).c_str(), pct(r.client_cpu_seconds).c_str(),
                fixed(r.client_us_per_message(), 2).c_str(), fixed(r.client_idle.rss_kib / 1024.0).c_str());
    std::fflush(stdout);
}

void write_summary(std::ofstream& out, char const* name, fanout_result const& r)
{
    auto opt_fixed = [](std::optional<double> v, int d) { return v ? fixed(*v, d) : std::string("-"); };
    // Strings, not optionals: GCC 12 warns (wrongly) about an optional<double> built here.
    std::string pct = r.server_cpu_seconds && r.window_seconds > 0
                          ? fixed(100 * *r.server_cpu_seconds / r.window_seconds, 0)
                          : "-";
    auto per_sub = r.idle_bytes_per_subscriber();
    out << "fanout\t" << name << '\t' << r.requested << '\t' << r.connected << '\t' << r.rounds.size() << '\t'
        << r.delivered << '\t' << r.expected << '\t' << fixed(quantile_ms(r.latency_us, 0.5), 2) << '\t'
        << fixed(quantile_ms(r.latency_us, 0.99), 2) << '\t' << fixed(quantile_ms(r.latency_us, 1.0), 2) << '\t'
        << fixed(quantile_ms(r.last_us, 0.5), 2) << '\t' << fixed(quantile_ms(r.last_us, 0.99), 2) << '\t'
        << fixed(quantile_ms(r.last_us, 1.0), 2) << '\t' << opt_fixed(r.server_us_per_message(), 2) << '\t'
        << fixed(r.client_us_per_message(), 2) << '\t'
        << (per_sub ? fixed(*per_sub / 1024.0, 2) : "-") << '\t' << pct << '\t' << fixed(r.message_bytes, 0) << '\t'
        << (r.server_idle ? fixed(r.server_idle->rss_kib / 1024.0) : "-") << '\n';
    out.flush();
}

} // namespace

int main(int argc, char** argv)
{
    fanout_options base;
    std::string url, baseline_url, messages_file, capture_file, summary;
    int pid = 0, baseline_pid = 0, interval_ms = 200, timeout_ms = 5000, settle_ms = 1000;
    std::size_t first_seat = 0;
    bool subscribe_message = false;
    po::options_description desc("options");
    desc.add_options()
        ("help,h", "show this help")
        ("url", po::value(&url), "electd, http://HOST:PORT")
        ("pid", po::value(&pid), "electd's process id, for its RSS and CPU time")
        ("baseline-url", po::value(&baseline_url), "the ws broadcaster (bench/node/broadcaster.mjs), http://HOST:PORT")
        ("baseline-pid", po::value(&baseline_pid), "the broadcaster's process id")
        ("messages", po::value(&messages_file), "the baseline's messages, one per line (from --capture), when --url is not given")
        ("capture", po::value(&capture_file), "write the alert messages electd sent, one per line")
        ("subscribers,n", po::value(&base.subscribers)->default_value(base.subscribers), "WebSocket subscribers")
        ("rounds,k", po::value(&base.rounds)->default_value(base.rounds), "messages, one declaration each, sent one at a time")
        ("interval-ms", po::value(&interval_ms)->default_value(interval_ms), "from one POST to the next, at least")
        ("round-timeout-ms", po::value(&timeout_ms)->default_value(timeout_ms), "a round ends at the latest this long after its POST")
        ("settle-ms", po::value(&settle_ms)->default_value(settle_ms), "pause between the last snapshot and the idle RSS")
        ("threads", po::value(&base.threads)->default_value(base.threads), "client threads")
        ("connect-window", po::value(&base.connect_window)->default_value(base.connect_window), "WebSocket handshakes in flight")
        ("subscribe-message", po::bool_switch(&subscribe_message), "electd: subscribe with a {\"subscribe\":...} message, not URL parameters")
        ("first-seat", po::value(&first_seat)->default_value(first_seat), "start at this seat of the night (0-649); seats already declared are skipped anyway")
        ("summary", po::value(&summary), "append tab-separated figures to this file (for bench/run_fanout.sh)");
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, desc), vm);
        if (vm.count("help")) {
            std::cout << usage << "\n\n" << desc << "\n";
            return 0;
        }
        po::notify(vm);
        if (url.empty() && baseline_url.empty())
            throw po::error("give --url, --baseline-url or both");
        if (url.empty() && !baseline_url.empty() && messages_file.empty())
            throw po::error("--baseline-url without --url needs --messages (written by an electd run with --capture)");
        if (base.subscribers < 1 || base.rounds < 1 || base.threads < 1)
            throw po::error("--subscribers, --rounds and --threads must be at least 1");
    } catch (po::error const& e) {
        std::cerr << "fanout_bench: " << e.what() << " (see --help)\n";
        return 2;
    }
    base.interval = std::chrono::milliseconds(interval_ms);
    base.round_timeout = std::chrono::milliseconds(timeout_ms);
    base.settle = std::chrono::milliseconds(settle_ms);
    std::ofstream summary_out;
    if (!summary.empty())
        summary_out.open(summary, std::ios::app);

    try {
        std::vector<std::string> messages;
        if (!url.empty()) {
            // First declarations (revision 1), in the night's order: each raises one gain or hold.
            workload w;
            std::vector<round_post> posts;
            for (std::size_t s = first_seat; s < w.seat_count(); ++s)
                posts.push_back({"/v1/declarations", w.body(s, 1), w.ons_code(s)});
            auto opt = base;
            opt.kind = publisher_kind::electd;
            std::tie(opt.host, opt.port) = split_url(url, "--url");
            if (subscribe_message) {
                opt.stream_target = "/v1/stream";
                opt.subscribe_message = R"({"subscribe":{"types":["gain","hold"]}})";
            }
            if (pid > 0)
                opt.server_pid = pid;
            auto r = run_fanout(opt, posts);
            print_run("electd", url, opt, r);
            if (summary_out)
                write_summary(summary_out, "electd", r);
            messages = r.captured;
            if (!capture_file.empty()) {
                std::ofstream out(capture_file);
                for (auto const& m : messages)
                    out << m << '\n';
            }
        }
        if (!baseline_url.empty()) {
            if (url.empty()) {
                std::ifstream in(messages_file);
                if (!in)
                    throw std::runtime_error("cannot read " + messages_file);
                for (std::string line; std::getline(in, line);)
                    if (!line.empty())
                        messages.push_back(line);
            }
            if (messages.empty())
                throw std::runtime_error("no messages for the baseline (the electd run delivered none)");
            std::vector<round_post> posts;
            for (auto const& m : messages)
                posts.push_back({"/publish", m, "seq " + std::to_string(alert_seq(m).value_or(-1))});
            auto opt = base;
            opt.kind = publisher_kind::baseline;
            std::tie(opt.host, opt.port) = split_url(baseline_url, "--baseline-url");
            opt.stream_target = "/";
            opt.subscribe_message.reset();
            opt.rounds = std::min(opt.rounds, posts.size());
            if (baseline_pid > 0)
                opt.server_pid = baseline_pid;
            auto r = run_fanout(opt, posts);
            print_run("ws baseline (Node.js)", baseline_url, opt, r);
            if (summary_out)
                write_summary(summary_out, "ws", r);
        }
    } catch (std::exception const& e) {
        std::cerr << "fanout_bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
