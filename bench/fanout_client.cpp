#include "bench/fanout_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <unistd.h>

namespace electd::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using clock = std::chrono::steady_clock;

namespace {

std::int64_t to_ns(clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::uint32_t to_us(std::int64_t ns)
{
    return static_cast<std::uint32_t>(std::clamp<std::int64_t>(ns / 1000, 0, UINT32_MAX));
}

// What the subscribers share with the controller. Counters are atomics: with --threads 2 two
// io_contexts update them; the controller sleeps on `cv` and is woken only at the edges it waits for.
struct run_state {
    static constexpr std::size_t seq_slots = 1 << 16; // seqs of one run are far fewer; counted by seq mod this
    explicit run_state(std::size_t n) : subscribers(n), per_seq(seq_slots) {}

    std::size_t const subscribers;
    std::atomic<std::size_t> settled{0}; // ready or failed
    std::atomic<std::size_t> ready{0};
    std::atomic<std::size_t> failed{0};
    std::atomic<std::size_t> dropped{0};
    std::atomic<std::uint64_t> other{0};
    std::atomic<bool> stopping{false};
    std::vector<std::atomic<std::uint32_t>> per_seq;
    std::atomic<std::uint32_t> wanted{UINT32_MAX}; // arrivals that complete a round
    std::mutex mutex;
    std::condition_variable cv;
    std::string first_failure; // guarded by mutex

    void wake()
    {
        std::lock_guard lock(mutex);
        cv.notify_all();
    }
    void fail(std::string what)
    {
        std::lock_guard lock(mutex);
        if (first_failure.empty())
            first_failure = std::move(what);
        cv.notify_all();
    }
    std::uint32_t arrivals(std::int64_t seq) const { return per_seq[static_cast<std::size_t>(seq) % seq_slots].load(); }
    std::size_t live() const { return ready.load() - dropped.load(); }
};

struct arrival {
    std::int64_t seq;
    std::int64_t at_ns;
};

class client_thread;

// One subscriber connection: connect, upgrade, optionally subscribe, then read forever,
// stamping each message as it completes. The first message is the snapshot (or hello).
class subscriber_client {
public:
    subscriber_client(client_thread& owner, run_state& run, fanout_options const& opt, tcp::endpoint ep,
                      std::string const& host, bool capture, std::size_t rounds);

    void start();
    void close();

    std::vector<arrival> const& arrivals() const { return arrivals_; }
    std::vector<std::pair<std::int64_t, std::string>> const& captured() const { return captured_; }

private:
    void on_connect(boost::system::error_code ec);
    void on_handshake(boost::system::error_code ec);
    void on_subscribe(boost::system::error_code ec);
    void do_read();
    void on_read(boost::system::error_code ec);
    void on_failure(char const* step, boost::system::error_code ec);

    client_thread& owner_;
    run_state& run_;
    fanout_options const& opt_;
    tcp::endpoint ep_;
    std::string const& host_;
    websocket::stream<tcp::socket> ws_;
    beast::flat_buffer buffer_;
    bool ready_ = false;
    bool capture_ = false;
    std::vector<arrival> arrivals_;
    std::vector<std::pair<std::int64_t, std::string>> captured_;
};

// One client thread: its io_context, its share of the subscribers, and the pacing of their
// handshakes (a new one starts as one finishes). Everything here runs on that thread.
class client_thread {
public:
    explicit client_thread(std::size_t window) : window_(std::max<std::size_t>(1, window)) {}

    asio::io_context ioc{1}; // one thread runs it
    std::vector<std::unique_ptr<subscriber_client>> members;

    void launch_first() { for (std::size_t i = 0; i < window_; ++i) launch_next(); }
    void launch_next()
    {
        if (next_ < members.size())
            members[next_++]->start();
    }

private:
    std::size_t window_;
    std::size_t next_ = 0;
};

subscriber_client::subscriber_client(client_thread& owner, run_state& run, fanout_options const& opt, tcp::endpoint ep,
                                     std::string const& host, bool capture, std::size_t rounds)
    : owner_(owner), run_(run), opt_(opt), ep_(ep), host_(host), ws_(owner.ioc), capture_(capture)
{
    arrivals_.reserve(rounds + 2);
}

void subscriber_client::start()
{
    // Open the TCP connection.
    ws_.next_layer().async_connect(ep_, [this](boost::system::error_code ec) { on_connect(ec); });
}

void subscriber_client::on_connect(boost::system::error_code ec)
{
    if (ec)
        return on_failure("connect", ec);
    ws_.next_layer().set_option(tcp::no_delay(true), ec);
    ws_.read_message_max(1 << 20);
    // Upgrade to WebSocket (no compression: neither server under test compresses).
    ws_.async_handshake(host_, opt_.stream_target, [this](boost::system::error_code ec) { on_handshake(ec); });
}

void subscriber_client::on_handshake(boost::system::error_code ec)
{
    if (ec)
        return on_failure("handshake", ec);
    if (!opt_.subscribe_message)
        return do_read();
    ws_.text(true);
    // Say what to receive.
    ws_.async_write(asio::buffer(*opt_.subscribe_message),
                    [this](boost::system::error_code ec, std::size_t) { on_subscribe(ec); });
}

void subscriber_client::on_subscribe(boost::system::error_code ec)
{
    if (ec)
        return on_failure("subscribe", ec);
    do_read();
}

void subscriber_client::do_read()
{
    // Wait for the next message.
    ws_.async_read(buffer_, [this](boost::system::error_code ec, std::size_t) { on_read(ec); });
}

void subscriber_client::on_read(boost::system::error_code ec)
{
    auto now = clock::now(); // first, so the time is the arrival's and not the bookkeeping's
    if (ec)
        return on_failure("read", ec);
    auto data = buffer_.cdata();
    std::string_view text(static_cast<char const*>(data.data()), data.size());
    if (!ready_) {
        // The snapshot (electd) or hello (baseline): subscribed, and registered for fan-out.
        ready_ = true;
        ++run_.ready;
        if (++run_.settled == run_.subscribers)
            run_.wake();
        owner_.launch_next();
    } else if (auto seq = alert_seq(text)) {
        arrivals_.push_back({*seq, to_ns(now)});
        if (capture_)
            captured_.emplace_back(*seq, std::string(text));
        auto n = run_.per_seq[static_cast<std::size_t>(*seq) % run_state::seq_slots].fetch_add(1) + 1;
        if (n == run_.wanted.load())
            run_.wake(); // the round's last arrival
    } else {
        ++run_.other;
    }
    buffer_.consume(buffer_.size());
    do_read();
}

void subscriber_client::on_failure(char const* step, boost::system::error_code ec)
{
    if (run_.stopping)
        return;
    run_.fail(std::string(step) + ": " + ec.message());
    if (ready_) {
        ++run_.dropped; // the controller re-counts what a round waits for
        return;
    }
    ++run_.failed;
    if (++run_.settled == run_.subscribers)
        run_.wake();
    owner_.launch_next();
}

void subscriber_client::close()
{
    boost::system::error_code ignored;
    ws_.next_layer().close(ignored); // the pending read ends with operation_aborted
}

tcp::endpoint resolve(fanout_options const& opt)
{
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(opt.host, opt.port);
    if (results.empty())
        throw std::runtime_error("cannot resolve " + opt.host + ":" + opt.port);
    return *results.begin();
}

struct post_answer {
    unsigned status = 0;
    std::string body;
    clock::time_point written; // just before the request's first byte is written
    clock::time_point answered;
};

// One POST on its own connection (Connection: close), so no round waits for an idle keep-alive
// connection the server may have dropped; connecting is not timed.
post_answer post_once(tcp::endpoint ep, std::string const& host, round_post const& p)
{
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(ep);
    socket.set_option(tcp::no_delay(true));
    http::request<http::string_body> req{http::verb::post, p.target, 11};
    req.set(http::field::host, host);
    req.set(http::field::content_type, "application/json");
    req.keep_alive(false);
    req.body() = p.body;
    req.prepare_payload();
    http::serializer<true, http::string_body> sr{req};
    post_answer a;
    a.written = clock::now();
    http::write(socket, sr);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    a.answered = clock::now();
    a.status = res.result_int();
    a.body = std::move(res.body());
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    return a;
}

// The message a round sent to the subscribers: electd's gain/hold alert from the 201 answer,
// or the baseline's own body.
std::optional<std::int64_t> round_seq(publisher_kind kind, round_post const& p, post_answer const& a)
{
    if (kind == publisher_kind::baseline)
        return a.status == 200 ? alert_seq(p.body) : std::nullopt;
    if (a.status != 201)
        return std::nullopt;
    boost::system::error_code ec;
    auto v = boost::json::parse(a.body, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    auto const* alerts = v.get_object().if_contains("alerts");
    if (!alerts || !alerts->is_array())
        return std::nullopt;
    for (auto const& e : alerts->get_array()) {
        auto const* o = e.if_object();
        if (!o)
            continue;
        auto const* type = o->if_contains("type");
        auto const* seq = o->if_contains("seq");
        if (type && type->is_string() && seq && seq->is_int64()
            && (type->get_string() == "gain" || type->get_string() == "hold"))
            return seq->get_int64();
    }
    return std::nullopt;
}

} // namespace

double quantile_ms(std::vector<std::uint32_t> const& sorted_us, double q)
{
    if (sorted_us.empty())
        return 0;
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted_us.size())));
    auto i = std::min(sorted_us.size() - 1, rank == 0 ? 0 : rank - 1);
    return sorted_us[i] / 1000.0;
}

std::optional<std::int64_t> alert_seq(std::string_view message)
{
    // Both servers send electd's bytes, so a prefix test is enough and costs next to nothing.
    static constexpr std::string_view prefix = R"({"type":"alert","seq":)";
    if (!message.starts_with(prefix))
        return std::nullopt;
    std::int64_t seq = 0;
    auto digits = message.substr(prefix.size());
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
    if (ec != std::errc{} || seq < 0)
        return std::nullopt;
    return seq;
}

std::optional<double> fanout_result::idle_bytes_per_subscriber() const
{
    if (!server_before || !server_idle || connected == 0)
        return std::nullopt;
    auto grown = static_cast<double>(server_idle->rss_kib) - static_cast<double>(server_before->rss_kib);
    return grown * 1024.0 / static_cast<double>(connected);
}

std::optional<double> fanout_result::server_us_per_message() const
{
    if (!server_cpu_seconds || delivered == 0)
        return std::nullopt;
    return *server_cpu_seconds * 1e6 / static_cast<double>(delivered);
}

double fanout_result::client_us_per_message() const
{
    return delivered ? client_cpu_seconds * 1e6 / static_cast<double>(delivered) : 0;
}

fanout_result run_fanout(fanout_options const& opt, std::vector<round_post> const& posts)
{
    raise_open_file_limit();
    auto ep = resolve(opt);
    std::string host = opt.host + ":" + opt.port;
    fanout_result r;
    r.requested = opt.subscribers;
    if (opt.server_pid)
        r.server_before = memory_of(*opt.server_pid);

    // Subscribers dealt round-robin to the client threads; the first one keeps the messages.
    run_state run(opt.subscribers);
    unsigned threads = std::max(1u, opt.threads);
    std::vector<std::unique_ptr<client_thread>> workers;
    for (unsigned t = 0; t < threads; ++t)
        workers.push_back(std::make_unique<client_thread>((opt.connect_window + threads - 1) / threads));
    for (std::size_t i = 0; i < opt.subscribers; ++i) {
        auto& w = *workers[i % threads];
        w.members.push_back(std::make_unique<subscriber_client>(w, run, opt, ep, host, i == 0, opt.rounds));
    }
    using guard = asio::executor_work_guard<asio::io_context::executor_type>;
    std::vector<guard> guards;
    std::vector<std::thread> running;
    for (auto& w : workers) {
        guards.emplace_back(w->ioc.get_executor());
        asio::post(w->ioc, [&w = *w] { w.launch_first(); });
        running.emplace_back([&w = *w] { w.ioc.run(); });
    }

    // Every connection upgraded and its snapshot received (or failed).
    auto connect_start = clock::now();
    {
        std::unique_lock lock(run.mutex);
        run.cv.wait_for(lock, std::chrono::seconds(30) + opt.subscribers * std::chrono::milliseconds(10),
                        [&] { return run.settled.load() >= run.subscribers; });
    }
    r.connect_seconds = std::chrono::duration<double>(clock::now() - connect_start).count();
    std::this_thread::sleep_for(opt.settle);
    if (opt.server_pid)
        r.server_idle = memory_of(*opt.server_pid);
    if (auto m = memory_of(static_cast<int>(getpid())))
        r.client_idle = *m;
    r.connected = run.ready.load();
    r.connect_failures = run.failed.load();

    // The rounds, one at a time.
    auto client_cpu0 = cpu_seconds_self();
    auto server_cpu0 = opt.server_pid ? cpu_seconds_of(*opt.server_pid) : std::nullopt;
    auto window_start = clock::now();
    auto next_start = window_start;
    std::unordered_map<std::int64_t, std::size_t> round_of_seq;
    std::vector<std::int64_t> round_t0;
    for (auto const& p : posts) {
        if (r.rounds.size() >= opt.rounds || r.connected == 0)
            break;
        std::this_thread::sleep_until(next_start);
        run.wanted = static_cast<std::uint32_t>(run.live());
        post_answer a;
        try {
            a = post_once(ep, host, p);
        } catch (std::exception const& e) {
            r.post_errors.push_back(p.label + ": " + e.what());
            next_start = clock::now() + opt.gap;
            if (r.post_errors.size() >= 5)
                break; // the server is gone
            continue;
        }
        auto seq = round_seq(opt.kind, p, a);
        if (!seq || round_of_seq.contains(*seq)) {
            ++r.skipped_posts; // e.g. a seat already declared in this database
            if (a.status >= 400)
                r.post_errors.push_back(p.label + ": HTTP " + std::to_string(a.status) + " " + a.body.substr(0, 200));
            next_start = clock::now();
            continue;
        }
        bool complete = false;
        {
            // Every live subscriber has it: the counter reached `wanted`, or connections dropped.
            std::unique_lock lock(run.mutex);
            complete = run.cv.wait_until(lock, a.written + opt.round_timeout,
                                         [&] { return run.arrivals(*seq) >= run.live(); });
        }
        round_record rec;
        rec.label = p.label;
        rec.seq = *seq;
        rec.answer_us = to_us(to_ns(a.answered) - to_ns(a.written));
        rec.complete = complete;
        round_of_seq.emplace(*seq, r.rounds.size());
        round_t0.push_back(to_ns(a.written));
        r.rounds.push_back(std::move(rec));
        next_start = std::max(a.written + opt.interval, clock::now() + opt.gap);
    }
    auto window_end = clock::now();
    r.window_seconds = std::chrono::duration<double>(window_end - window_start).count();
    r.client_cpu_seconds = cpu_seconds_self() - client_cpu0;
    if (server_cpu0)
        if (auto server_cpu1 = cpu_seconds_of(*opt.server_pid))
            r.server_cpu_seconds = *server_cpu1 - *server_cpu0;
    if (opt.server_pid)
        r.server_end = memory_of(*opt.server_pid);

    // Close every connection (FIN, no closing handshake: the servers just see the peer go) and
    // let the threads finish once their handlers have run.
    run.stopping = true;
    for (auto& w : workers)
        asio::post(w->ioc, [&w = *w] {
            for (auto& m : w.members)
                m->close();
        });
    guards.clear();
    for (auto& t : running)
        t.join();
    r.dropped = run.dropped.load();
    r.first_failure = run.first_failure;
    r.other_messages = run.other.load();

    // Latency of every arrival of a round's message, from that round's POST.
    std::vector<std::int64_t> first(r.rounds.size(), INT64_MAX), last(r.rounds.size(), 0);
    r.latency_us.reserve(r.connected * r.rounds.size());
    for (auto const& w : workers) {
        for (auto const& m : w->members) {
            for (auto const& a : m->arrivals()) {
                auto it = round_of_seq.find(a.seq);
                if (it == round_of_seq.end()) {
                    ++r.other_messages;
                    continue;
                }
                auto i = it->second;
                auto ns = a.at_ns - round_t0[i];
                r.latency_us.push_back(to_us(ns));
                first[i] = std::min(first[i], ns);
                last[i] = std::max(last[i], ns);
                ++r.rounds[i].received;
            }
        }
    }
    std::sort(r.latency_us.begin(), r.latency_us.end());
    r.delivered = r.latency_us.size();
    r.expected = static_cast<std::uint64_t>(r.connected) * r.rounds.size();
    for (std::size_t i = 0; i < r.rounds.size(); ++i) {
        r.rounds[i].first_us = first[i] == INT64_MAX ? 0 : to_us(first[i]);
        r.rounds[i].last_us = to_us(last[i]);
        if (r.rounds[i].received > 0)
            r.last_us.push_back(r.rounds[i].last_us);
    }
    std::sort(r.last_us.begin(), r.last_us.end());

    // The messages as the first subscriber received them, in round order (the baseline sends these).
    if (!workers.empty() && !workers[0]->members.empty()) {
        std::unordered_map<std::int64_t, std::string const*> by_seq;
        for (auto const& [seq, text] : workers[0]->members[0]->captured())
            by_seq.emplace(seq, &text);
        double bytes = 0;
        for (auto const& rec : r.rounds) {
            if (auto it = by_seq.find(rec.seq); it != by_seq.end()) {
                r.captured.push_back(*it->second);
                bytes += static_cast<double>(it->second->size());
            }
        }
        if (!r.captured.empty())
            r.message_bytes = bytes / static_cast<double>(r.captured.size());
    }
    return r;
}

} // namespace electd::bench
