// ingest_bench: durable declarations per second through electd's HTTP API, from concurrent
// keep-alive clients on loopback, printed beside SQLite's own insert rate for the same rows.
// Prints figures; never fails on time. See bench/README.md.
#include "bench/load_client.hpp"
#include "bench/sqlite_baseline.hpp"
#include "bench/workload.hpp"
#include "core/text.hpp"

#include <boost/program_options.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;
using namespace electd::bench;

namespace {

constexpr char const* usage = R"(usage: ingest_bench --url http://127.0.0.1:PORT [OPTIONS]
       ingest_bench --baseline-only [OPTIONS]

Loads a running `electd serve` with new declaration revisions over HTTP/1.1 keep-alive, one
request in flight per connection, then measures SQLite inserting the same rows in this process.)";

using electd::core::fixed;

std::string grouped(std::uint64_t v)
{
    return electd::core::thousands(static_cast<std::int64_t>(v));
}

std::vector<std::size_t> parse_list(std::string const& text)
{
    std::vector<std::size_t> out;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty())
            out.push_back(static_cast<std::size_t>(std::stoul(item)));
    return out;
}

// "http://host:port" (a path is not supported; electd's API lives at the root).
void split_url(std::string const& url, load_options& opt)
{
    std::string rest = url;
    if (rest.starts_with("http://"))
        rest = rest.substr(7);
    else if (rest.find("://") != std::string::npos)
        throw po::error("--url must be http://HOST:PORT");
    while (!rest.empty() && rest.back() == '/')
        rest.pop_back();
    auto colon = rest.rfind(':');
    if (colon == std::string::npos || rest.find('/') != std::string::npos)
        throw po::error("--url must be http://HOST:PORT");
    opt.host = rest.substr(0, colon);
    opt.port = rest.substr(colon + 1);
    if (opt.host.size() > 2 && opt.host.front() == '[')
        opt.host = opt.host.substr(1, opt.host.size() - 2);
}

void print_load(load_options const& opt, std::string const& url, load_result const& r)
{
    std::printf("\nelectd ingest over HTTP: %zu connections, %u client thread%s, %s\n", opt.connections, opt.threads,
                opt.threads == 1 ? "" : "s", url.c_str());
    std::printf("  measured window                  %s s after %s s of warm-up\n", fixed(r.seconds, 2).c_str(),
                fixed(opt.warmup).c_str());
    std::printf("  declarations stored (201)        %s  = %s /s\n", grouped(r.created).c_str(),
                grouped(static_cast<std::uint64_t>(r.rate() + 0.5)).c_str());
    std::string others;
    for (auto const& [status, n] : r.non_created)
        others += " " + std::to_string(status) + ":" + grouped(n);
    std::printf("  other answers                    %s%s%s\n", grouped(r.non_created_total()).c_str(),
                others.empty() ? "" : "  (", others.empty() ? "" : (others.substr(1) + ")").c_str());
    std::printf("  connection errors                %s\n", grouped(r.io_errors).c_str());
    std::printf("  latency per request (ms)         p50 %s   p99 %s   max %s\n", fixed(r.latency_ms(0.50), 2).c_str(),
                fixed(r.latency_ms(0.99), 2).c_str(), fixed(r.latency_ms(1.0), 2).c_str());
    if (r.server_rss_kib)
        std::printf("  server RSS at end                %s MiB (peak %s MiB)\n", fixed(*r.server_rss_kib / 1024.0).c_str(),
                    fixed(*r.server_peak_rss_kib / 1024.0).c_str());
    auto pct = [&](double cpu) { return fixed(r.seconds > 0 ? 100 * cpu / r.seconds : 0, 0); };
    if (r.server_cpu_seconds)
        std::printf("  CPU in the window                server %s s (%s%% of a core), client %s s (%s%%)\n",
                    fixed(*r.server_cpu_seconds).c_str(), pct(*r.server_cpu_seconds).c_str(),
                    fixed(r.client_cpu_seconds).c_str(), pct(r.client_cpu_seconds).c_str());
    else
        std::printf("  CPU in the window                client %s s (%s%% of a core); pass --pid for the server's\n",
                    fixed(r.client_cpu_seconds).c_str(), pct(r.client_cpu_seconds).c_str());
    if (!r.server_threads.empty() && r.seconds > 0) {
        // The tracker is one thread: if the busiest thread is near 100%, it is the limit.
        std::string threads;
        for (std::size_t i = 0; i < r.server_threads.size() && i < 4; ++i) {
            auto const& t = r.server_threads[i];
            auto running = 100 * t.running / r.seconds, waiting = 100 * t.waiting / r.seconds;
            threads += (i ? " | " : "") + fixed(running, 0) + "/" + fixed(waiting, 0) + "/"
                       + fixed(std::max(0.0, 100 - running - waiting), 0);
        }
        std::printf("  busiest server threads (%%)       %s  (on CPU/waiting for one/asleep)\n", threads.c_str());
    }
    if (r.tracker && r.seconds > 0) {
        auto const& t = *r.tracker;
        auto pct_of_window = [&](double s) { return fixed(100 * s / r.seconds, 0) + "%"; };
        std::printf("  tracker, from GET /metrics       avg batch %s; busy %s of the window: commit %s, analysis %s\n",
                    fixed(t.average_batch()).c_str(), pct_of_window(t.busy_seconds).c_str(),
                    pct_of_window(t.commit_seconds).c_str(), pct_of_window(t.analysis_seconds).c_str());
    }
    std::string series;
    for (auto n : r.per_second)
        series += " " + fixed(static_cast<double>(n) / 1000.0) + "k";
    std::printf("  201s in each second             %s\n", series.c_str());
    std::fflush(stdout);
}

void print_baseline_header(std::string const& dir, double seconds)
{
    std::printf("\nBaselines on fresh files in %s, prepared as `electd serve` prepares its database, %s s per mode\n",
                dir.c_str(), fixed(seconds).c_str());
    std::printf("  %-38s %-26s %12s %10s %10s\n", "mode", "batching", "declarations", "decl/s", "rows/s");
}

void print_shape(row_shape const& s)
{
    std::printf("  (per declaration the tracker stored one %s-byte declarations row: payload %s, result_json %s,\n"
                "   analysis_json %s bytes; %s candidate rows and %s alert rows; the raw mode re-inserts those rows)\n",
                fixed(s.declaration_bytes, 0).c_str(), fixed(s.payload_bytes, 0).c_str(),
                fixed(s.result_json_bytes, 0).c_str(), fixed(s.analysis_json_bytes, 0).c_str(),
                fixed(s.candidates).c_str(), fixed(s.alerts, 2).c_str());
}

void print_baseline_row(baseline_figure const& f)
{
    auto batching = f.batching;
    if (f.average_batch)
        batching += " (avg batch " + fixed(*f.average_batch) + ")";
    std::printf("  %-38s %-26s %12s %10s %10s\n", f.mode.c_str(), batching.c_str(), grouped(f.declarations).c_str(),
                grouped(static_cast<std::uint64_t>(f.rate() + 0.5)).c_str(),
                grouped(static_cast<std::uint64_t>(f.seconds > 0 ? static_cast<double>(f.rows) / f.seconds + 0.5 : 0))
                    .c_str());
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv)
{
    load_options load;
    std::string url, batches = "1,64", baseline_dir, summary;
    double baseline_seconds = 2;
    std::uint64_t count = 0;
    int pid = 0;
    std::size_t window = 0;
    bool no_baseline = false, baseline_only = false;
    po::options_description desc("options");
    desc.add_options()
        ("help,h", "show this help")
        ("url", po::value(&url), "the daemon, http://HOST:PORT")
        ("connections,c", po::value(&load.connections)->default_value(load.connections),
         "keep-alive connections, one request in flight on each (at most 650: each owns seats)")
        ("seconds,s", po::value(&load.seconds)->default_value(load.seconds), "measured window, seconds")
        ("count,n", po::value(&count), "measure this many requests instead of a time window")
        ("warmup", po::value(&load.warmup)->default_value(load.warmup), "seconds of load before measuring")
        ("threads", po::value(&load.threads)->default_value(load.threads), "client threads")
        ("pid", po::value(&pid), "the daemon's process id, for its RSS and CPU time")
        ("no-baseline", po::bool_switch(&no_baseline), "skip the baselines (in-process tracker, raw SQLite)")
        ("baseline-only", po::bool_switch(&baseline_only), "run only the baselines (no --url needed)")
        ("batch", po::value(&batches)->default_value(batches), "raw baseline transaction sizes, comma-separated (the tracker's average is added)")
        ("window", po::value(&window), "in-process tracker: declarations outstanding (default: --connections)")
        ("baseline-seconds", po::value(&baseline_seconds)->default_value(baseline_seconds), "seconds per baseline mode")
        ("baseline-dir", po::value(&baseline_dir), "where the baseline's database files go (default: $TMPDIR or /tmp)")
        ("summary", po::value(&summary), "append tab-separated figures to this file (for bench/run_ingest.sh)");
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, desc), vm);
        if (vm.count("help")) {
            std::cout << usage << "\n\n" << desc << "\n";
            return 0;
        }
        po::notify(vm);
        if (!baseline_only && url.empty())
            throw po::error("give --url (or --baseline-only)");
        if (!url.empty())
            split_url(url, load);
        if (vm.count("count"))
            load.count = count;
        if (pid > 0)
            load.server_pid = pid;
        if (load.threads < 1)
            throw po::error("--threads must be at least 1");
    } catch (po::error const& e) {
        std::cerr << "ingest_bench: " << e.what() << " (see --help)\n";
        return 2;
    }
    spdlog::set_level(spdlog::level::warn); // storage's "applied migration" lines would break the tables
    if (baseline_dir.empty())
        baseline_dir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    std::ofstream summary_out;
    if (!summary.empty())
        summary_out.open(summary, std::ios::app);

    try {
        workload w;
        if (!baseline_only) {
            auto stored = stored_revisions(load, w);
            auto r = run_load(load, w, stored);
            print_load(load, url, r);
            if (summary_out) {
                summary_out << "load\t" << load.connections << '\t' << fixed(r.rate(), 0) << '\t'
                            << fixed(r.latency_ms(0.5), 2) << '\t' << fixed(r.latency_ms(0.99), 2) << '\t'
                            << fixed(r.latency_ms(1.0), 2) << '\t' << r.non_created_total() + r.io_errors << '\t'
                            << (r.server_rss_kib ? fixed(*r.server_rss_kib / 1024.0) : "-") << '\t'
                            << (r.server_cpu_seconds ? fixed(100 * *r.server_cpu_seconds / r.seconds, 0) : "-") << '\t'
                            << fixed(100 * r.client_cpu_seconds / r.seconds, 0) << '\t' << r.created_total << '\t'
                            << (r.server_threads.empty() ? "-" : fixed(100 * r.server_threads[0].running / r.seconds, 0))
                            << '\t' << (r.tracker ? fixed(r.tracker->average_batch()) : "-") << '\t'
                            << (r.tracker ? fixed(100 * r.tracker->busy_seconds / r.seconds, 0) : "-") << '\t'
                            << (r.tracker ? fixed(100 * r.tracker->commit_seconds / r.seconds, 0) : "-") << '\n';
            }
        }
        if (!no_baseline) {
            sqlite_baseline b(w, baseline_dir, baseline_seconds);
            print_baseline_header(baseline_dir, baseline_seconds);
            std::vector<baseline_figure> figures;
            auto win = window ? window : std::min(load.connections, w.seat_count());
            auto tracked = b.tracker(win);
            figures.push_back(tracked);
            print_baseline_row(tracked);
            // The raw rate at each asked-for batch size, and at the batch the tracker reached.
            auto sizes = parse_list(batches);
            if (tracked.average_batch)
                sizes.push_back(static_cast<std::size_t>(std::max(1.0, *tracked.average_batch + 0.5)));
            std::sort(sizes.begin(), sizes.end());
            sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
            for (auto n : sizes)
                if (n > 0)
                    print_baseline_row(figures.emplace_back(b.raw(n)));
            print_shape(b.shape());
            if (summary_out)
                for (auto const& f : figures)
                    summary_out << "baseline\t" << f.mode << '\t' << f.batching << '\t' << fixed(f.rate(), 0) << '\t'
                                << (f.average_batch ? fixed(*f.average_batch) : "-") << '\n';
        }
    } catch (std::exception const& e) {
        std::cerr << "ingest_bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
