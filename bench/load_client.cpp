#include "bench/load_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace electd::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

// When to measure; written before the client threads start, then only read (but `tickets`).
struct schedule {
    clock::time_point measure_start;
    clock::time_point measure_end; // time_point::max() in count mode
    std::optional<std::uint64_t> count;
    std::atomic<std::uint64_t> tickets{0};
};

// One connection's seats and tallies; only that connection's coroutine touches it.
struct connection_state {
    std::vector<std::size_t> seats;
    std::vector<int> next_revision; // per owned seat
    std::size_t turn = 0;
    std::uint64_t created = 0;
    std::uint64_t created_total = 0;
    std::uint64_t io_errors = 0;
    std::map<int, std::uint64_t> non_created;
    std::vector<std::uint32_t> latency_us;
    std::vector<std::uint64_t> per_second;
    clock::time_point last_answer{};
};

double cpu_seconds_self()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// utime + stime of a process from /proc/PID/stat (fields 14 and 15).
std::optional<double> cpu_seconds_of(int pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line))
        return std::nullopt;
    auto close = line.rfind(')'); // the command name may contain spaces
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14)
            utime = std::stoull(field);
        if (i == 15)
            stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Every thread of a process: tid -> (ns on a CPU, ns waiting for one).
std::map<int, std::pair<std::uint64_t, std::uint64_t>> thread_times(int pid)
{
    std::map<int, std::pair<std::uint64_t, std::uint64_t>> out;
    std::error_code ec;
    for (auto const& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        std::ifstream in(entry.path() / "schedstat");
        std::uint64_t running = 0, waiting = 0;
        if (in >> running >> waiting)
            out[std::stoi(entry.path().filename().string())] = {running, waiting};
    }
    return out;
}

tcp::endpoint resolve(load_options const& opt)
{
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(opt.host, opt.port);
    if (results.empty())
        throw std::runtime_error("cannot resolve " + opt.host + ":" + opt.port);
    return *results.begin();
}

asio::awaitable<void> pause(std::chrono::milliseconds d)
{
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(use_tuple);
}

// One connection: POST the next revision of the next owned seat, wait for the answer, repeat.
asio::awaitable<void> drive(tcp::socket socket, tcp::endpoint ep, std::string host, connection_state& c,
                            schedule& s, workload const& w)
{
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    http::request<http::string_body> req{http::verb::post, "/v1/declarations", 11};
    req.set(http::field::host, host);
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    auto reconnect = [&]() -> asio::awaitable<void> {
        boost::system::error_code ignored;
        stream.socket().close(ignored);
        buffer.clear();
        stream.expires_after(std::chrono::seconds(5));
        auto [ec] = co_await stream.async_connect(ep, use_tuple);
        if (ec)
            ++c.io_errors;
        else
            stream.socket().set_option(tcp::no_delay(true));
    };
    for (;;) {
        auto start = clock::now();
        if (start >= s.measure_end)
            break;
        bool ticketed = s.count && start >= s.measure_start;
        if (ticketed && s.tickets.fetch_add(1, std::memory_order_relaxed) >= *s.count)
            break;
        auto turn = c.turn++ % c.seats.size();
        int revision = c.next_revision[turn];
        req.body() = w.body(c.seats[turn], revision);
        req.prepare_payload();

        // Send one declaration and wait for its answer (sent after the server's commit).
        stream.expires_after(std::chrono::seconds(60));
        auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
        http::response<http::string_body> res;
        boost::system::error_code ec = wec;
        if (!ec) {
            auto [rec, rn] = co_await http::async_read(stream, buffer, res, use_tuple);
            ec = rec;
        }
        auto end = clock::now();
        if (ec) {
            // The seat's turn comes round again with the same revision.
            ++c.io_errors;
            co_await pause(std::chrono::milliseconds(50));
            co_await reconnect();
            continue;
        }
        c.next_revision[turn] = revision + 1;
        int status = res.result_int();
        if (status == 201)
            ++c.created_total;
        bool measured = s.count ? ticketed : end >= s.measure_start && end < s.measure_end;
        if (measured) {
            c.latency_us.push_back(static_cast<std::uint32_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(end - start).count()));
            c.last_answer = end;
            if (status == 201) {
                ++c.created;
                auto second = static_cast<std::size_t>(
                    std::chrono::duration_cast<std::chrono::seconds>(end - s.measure_start).count());
                if (c.per_second.size() <= second)
                    c.per_second.resize(second + 1);
                ++c.per_second[second];
            } else {
                ++c.non_created[status];
            }
        }
        if (!res.keep_alive())
            co_await reconnect();
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

} // namespace

std::uint64_t load_result::non_created_total() const
{
    std::uint64_t n = 0;
    for (auto const& [status, count] : non_created)
        n += count;
    return n;
}

double load_result::latency_ms(double q) const
{
    if (latency_us.empty())
        return 0;
    // Nearest rank: the smallest value with at least q of the samples at or below it.
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(latency_us.size())));
    auto i = std::min(latency_us.size() - 1, rank == 0 ? 0 : rank - 1);
    return latency_us[i] / 1000.0;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> process_rss_kib(int pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    if (!in)
        return std::nullopt;
    std::string line;
    std::uint64_t rss = 0, hwm = 0;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:"))
            rss = std::stoull(line.substr(6));
        else if (line.starts_with("VmHWM:"))
            hwm = std::stoull(line.substr(6));
    }
    return std::make_pair(rss, hwm);
}

namespace {

// One blocking GET on its own connection (before and after the run, never during it).
std::pair<int, std::string> http_get(load_options const& opt, char const* target)
{
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(resolve(opt));
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, opt.host);
    req.keep_alive(false);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return {res.result_int(), std::move(res.body())};
}

// The tracker's counters from GET /metrics (Prometheus text), if the daemon has them.
std::optional<tracker_window> tracker_counters(load_options const& opt)
{
    try {
        auto [status, body] = http_get(opt, "/metrics");
        if (status != 200)
            return std::nullopt;
        std::map<std::string, double> values;
        std::istringstream in(body);
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#')
                continue;
            auto space = line.rfind(' ');
            if (space != std::string::npos)
                values[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
        }
        if (!values.count("electd_tracker_batches_total"))
            return std::nullopt;
        return tracker_window{values["electd_tracker_requests_total"], values["electd_tracker_batches_total"],
                              values["electd_tracker_busy_seconds_total"], values["electd_tracker_commit_seconds_total"],
                              values["electd_analysis_seconds_total"]};
    } catch (boost::system::system_error const&) {
        return std::nullopt;
    }
}

} // namespace

std::vector<int> stored_revisions(load_options const& opt, workload const& w)
{
    auto [status, body] = http_get(opt, "/v1/constituencies");
    if (status != 200)
        throw std::runtime_error("GET /v1/constituencies answered " + std::to_string(status));
    std::unordered_map<std::string, int> by_code;
    auto doc = json::parse(body);
    for (auto const& c : doc.at("constituencies").as_array()) {
        auto const& rev = c.at("revision");
        by_code[std::string(c.at("ons_code").as_string())] = rev.is_null() ? 0 : static_cast<int>(rev.to_number<int>());
    }
    std::vector<int> out(w.seat_count(), 0);
    for (std::size_t i = 0; i < w.seat_count(); ++i)
        if (auto it = by_code.find(w.ons_code(i)); it != by_code.end())
            out[i] = it->second;
    return out;
}

load_result run_load(load_options const& opt, workload const& w, std::vector<int> const& stored)
{
    if (opt.connections == 0 || opt.connections > w.seat_count())
        throw std::runtime_error("--connections must be between 1 and " + std::to_string(w.seat_count())
                                 + " (each connection owns at least one seat)");
    auto ep = resolve(opt);

    // Seat j belongs to connection j % C: disjoint, so no two requests race for one seat.
    std::vector<connection_state> conns(opt.connections);
    for (std::size_t j = 0; j < w.seat_count(); ++j) {
        auto& c = conns[j % opt.connections];
        c.seats.push_back(j);
        c.next_revision.push_back(stored.at(j) + 1);
    }
    auto threads = std::max<std::size_t>(1, std::min<std::size_t>(opt.threads, opt.connections));
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (std::size_t t = 0; t < threads; ++t)
        contexts.push_back(std::make_unique<asio::io_context>(1));

    // Connect everything before the clock starts, so connection setup is not measured.
    std::vector<tcp::socket> sockets;
    for (std::size_t i = 0; i < opt.connections; ++i) {
        tcp::socket s(*contexts[i % threads]);
        s.connect(ep);
        s.set_option(tcp::no_delay(true));
        sockets.push_back(std::move(s));
    }

    schedule sched;
    sched.count = opt.count;
    sched.measure_start = clock::now() + std::chrono::microseconds(static_cast<std::int64_t>(opt.warmup * 1e6));
    sched.measure_end = opt.count ? clock::time_point::max()
                                  : sched.measure_start
                                        + std::chrono::microseconds(static_cast<std::int64_t>(opt.seconds * 1e6));
    for (auto& c : conns) {
        c.latency_us.reserve(static_cast<std::size_t>(opt.seconds * 40000 / static_cast<double>(opt.connections)) + 64);
    }
    for (std::size_t i = 0; i < opt.connections; ++i)
        asio::co_spawn(*contexts[i % threads], drive(std::move(sockets[i]), ep, opt.host, conns[i], sched, w),
                       [](std::exception_ptr e) {
                           if (e)
                               std::rethrow_exception(e);
                       });
    std::vector<std::thread> runners;
    std::exception_ptr failure;
    std::mutex failure_mutex;
    for (auto& ctx : contexts)
        runners.emplace_back([&ctx, &failure, &failure_mutex] {
            try {
                ctx->run();
            } catch (...) {
                std::lock_guard lock(failure_mutex);
                failure = std::current_exception();
            }
        });

    // Sample CPU at the edges of the measured window.
    std::this_thread::sleep_until(sched.measure_start);
    auto client_cpu0 = cpu_seconds_self();
    auto server_cpu0 = opt.server_pid ? cpu_seconds_of(*opt.server_pid) : std::nullopt;
    auto threads0 = opt.server_pid ? thread_times(*opt.server_pid) : decltype(thread_times(0)){};
    auto tracker0 = tracker_counters(opt);
    if (!opt.count)
        std::this_thread::sleep_until(sched.measure_end);
    else
        for (auto& t : runners)
            t.join();
    auto client_cpu1 = cpu_seconds_self();
    auto server_cpu1 = opt.server_pid ? cpu_seconds_of(*opt.server_pid) : std::nullopt;
    auto threads1 = opt.server_pid ? thread_times(*opt.server_pid) : decltype(thread_times(0)){};
    auto tracker1 = tracker_counters(opt);
    for (auto& t : runners)
        if (t.joinable())
            t.join();
    if (failure)
        std::rethrow_exception(failure);

    load_result r;
    r.client_cpu_seconds = client_cpu1 - client_cpu0;
    if (server_cpu0 && server_cpu1)
        r.server_cpu_seconds = *server_cpu1 - *server_cpu0;
    if (opt.server_pid)
        if (auto rss = process_rss_kib(*opt.server_pid)) {
            r.server_rss_kib = rss->first;
            r.server_peak_rss_kib = rss->second;
        }
    if (tracker0 && tracker1)
        r.tracker = tracker_window{tracker1->declarations - tracker0->declarations, tracker1->batches - tracker0->batches,
                                   tracker1->busy_seconds - tracker0->busy_seconds,
                                   tracker1->commit_seconds - tracker0->commit_seconds,
                                   tracker1->analysis_seconds - tracker0->analysis_seconds};
    for (auto const& [tid, t1] : threads1) {
        auto t0 = threads0.count(tid) ? threads0[tid] : std::pair<std::uint64_t, std::uint64_t>{0, 0};
        r.server_threads.push_back({tid, static_cast<double>(t1.first - t0.first) / 1e9,
                                    static_cast<double>(t1.second - t0.second) / 1e9});
    }
    std::sort(r.server_threads.begin(), r.server_threads.end(),
              [](auto const& a, auto const& b) { return a.running > b.running; });
    clock::time_point last{};
    for (auto& c : conns) {
        r.created += c.created;
        r.created_total += c.created_total;
        r.io_errors += c.io_errors;
        for (auto const& [status, n] : c.non_created)
            r.non_created[status] += n;
        r.latency_us.insert(r.latency_us.end(), c.latency_us.begin(), c.latency_us.end());
        if (r.per_second.size() < c.per_second.size())
            r.per_second.resize(c.per_second.size());
        for (std::size_t i = 0; i < c.per_second.size(); ++i)
            r.per_second[i] += c.per_second[i];
        last = std::max(last, c.last_answer);
    }
    std::sort(r.latency_us.begin(), r.latency_us.end());
    r.seconds = opt.count ? std::max(0.0, std::chrono::duration<double>(last - sched.measure_start).count())
                          : opt.seconds;
    if (!opt.count && r.per_second.size() > static_cast<std::size_t>(std::ceil(opt.seconds)))
        r.per_second.resize(static_cast<std::size_t>(std::ceil(opt.seconds)));
    return r;
}

} // namespace electd::bench
