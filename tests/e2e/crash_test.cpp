// The fault harness (issue 7): SIGKILL at random moments under concurrent ingest and a
// subscriber, restart on the same database, and prove nothing acknowledged was lost or doubled.
#include "tests/support/api.hpp"
#include "tests/support/process.hpp"
#include "tests/support/ws_client.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace electd;
using namespace electd::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t)
{
    return std::chrono::duration<double>(clock_type::now() - t).count();
}

// One declaration to send: a seat of the night at a revision. Later revisions carry different
// figures (one more invalid vote each time), like a real correction.
struct item {
    std::string ons_code;
    int revision = 1;
    std::string body;
};

item make_item(feeds::night_declaration const& d, int revision)
{
    auto v = json::parse(d.to_native_json(revision)).as_object();
    if (revision > 1) {
        auto invalid = v.contains("invalid_votes") && v["invalid_votes"].is_int64() ? v["invalid_votes"].as_int64() : 0;
        v["invalid_votes"] = invalid + revision - 1;
    }
    return {d.ons_code, revision, json::serialize(v)};
}

// The work of `senders` threads: every seat of the night once, and a second (and for some a
// third) revision of every third seat, sent by the thread that owns the seat so its revisions
// arrive in order. Seats are dealt round-robin in declaration order.
std::vector<std::vector<item>> deal_the_night(std::size_t senders)
{
    auto const& night = the_night();
    std::vector<std::vector<item>> work(senders);
    std::vector<std::vector<std::size_t>> seats(senders);
    for (std::size_t i = 0; i < night.size(); ++i) {
        auto& mine = seats[i % senders];
        mine.push_back(i);
        work[i % senders].push_back(make_item(night[i], 1));
        // A correction to a seat this thread declared a few seats ago.
        if (mine.size() > 8) {
            auto earlier = mine[mine.size() - 9];
            if (earlier % 3 == 0)
                work[i % senders].push_back(make_item(night[earlier], 2));
            if (earlier % 9 == 0)
                work[i % senders].push_back(make_item(night[earlier], 3));
        }
    }
    return work;
}

// Where the daemon is now: its URL, empty while it is down, and a generation that changes at
// every kill so clients know to reconnect.
class daemon_slot {
public:
    void up(std::string url)
    {
        std::lock_guard lock(mutex_);
        url_ = std::move(url);
        ++generation_;
        cv_.notify_all();
    }
    void down()
    {
        std::lock_guard lock(mutex_);
        url_.clear();
        ++generation_;
    }
    std::pair<int, std::string> current()
    {
        std::lock_guard lock(mutex_);
        return {generation_, url_};
    }
    // The test is ending early (a failed REQUIRE): nobody should wait for a daemon any more.
    void abandon()
    {
        std::lock_guard lock(mutex_);
        abandoned_ = true;
        cv_.notify_all();
    }
    bool abandoned()
    {
        std::lock_guard lock(mutex_);
        return abandoned_;
    }
    // Waits for a live daemon of another generation than `failed` (or, after a while, any live
    // one: the failure may have been a plain timeout).
    std::pair<int, std::string> wait_after(int failed)
    {
        std::unique_lock lock(mutex_);
        auto patience = clock_type::now() + 2s;
        while (!abandoned_ && (url_.empty() || (generation_ == failed && clock_type::now() < patience)))
            cv_.wait_for(lock, 20ms);
        return {generation_, url_};
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    int generation_ = 0;
    std::string url_;
    bool abandoned_ = false;
};

// Joins the sender threads however the test ends.
struct joining {
    daemon_slot& slot;
    std::vector<std::thread>& threads;
    ~joining()
    {
        slot.abandon();
        join();
    }
    void join()
    {
        for (auto& t : threads)
            if (t.joinable())
                t.join();
    }
};

// A WebSocket subscriber to every alert that survives restarts: it reconnects to each new
// daemon with since = the last seq it saw, and keeps every seq in arrival order.
class resuming_subscriber {
public:
    explicit resuming_subscriber(daemon_slot& slot) : slot_(slot), thread_([this] { run(); }) {}
    ~resuming_subscriber() { stop(); }
    void stop()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    std::int64_t last() const { return last_; }
    std::vector<std::int64_t> seqs() const
    {
        std::lock_guard lock(mutex_);
        return seqs_;
    }
    // The seq it resumed from at each reconnection, and the first seq it got after it.
    std::vector<std::pair<std::int64_t, std::int64_t>> resumptions() const
    {
        std::lock_guard lock(mutex_);
        return resumptions_;
    }
    int connections() const { return connections_; }

private:
    void run()
    {
        while (!stop_) {
            auto [generation, url] = slot_.current();
            if (url.empty()) {
                std::this_thread::sleep_for(5ms);
                continue;
            }
            try {
                ws_client ws(url);
                auto since = last_.load();
                ws.send(R"({"subscribe": {"types": ["alert"]}, "since": )" + std::to_string(since) + "}");
                ++connections_;
                bool first = true;
                while (!stop_ && slot_.current().first == generation) {
                    auto m = ws.next(50ms);
                    if (!m || m->at("type").as_string() != "alert")
                        continue;
                    auto seq = m->at("alert").at("seq").as_int64();
                    std::lock_guard lock(mutex_);
                    if (first && connections_ > 1)
                        resumptions_.emplace_back(since, seq);
                    first = false;
                    seqs_.push_back(seq);
                    last_ = seq;
                }
            } catch (std::exception const&) {
                // the daemon died under us or is not listening yet: try the next one
                std::this_thread::sleep_for(10ms);
            }
        }
    }

    daemon_slot& slot_;
    mutable std::mutex mutex_;
    std::vector<std::int64_t> seqs_;
    std::vector<std::pair<std::int64_t, std::int64_t>> resumptions_;
    std::atomic<std::int64_t> last_{0};
    std::atomic<int> connections_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// The first place where `seqs` is not 1, 2, 3, ..., or its size if there is none.
std::size_t first_out_of_line(std::vector<std::int64_t> const& seqs)
{
    for (std::size_t i = 0; i < seqs.size(); ++i)
        if (seqs[i] != static_cast<std::int64_t>(i + 1))
            return i;
    return seqs.size();
}

std::string describe_around(std::vector<std::int64_t> const& seqs, std::size_t at)
{
    std::string out;
    for (auto i = at > 3 ? at - 3 : 0; i < std::min(seqs.size(), at + 4); ++i)
        out += (i == at ? "[" : "") + std::to_string(seqs[i]) + (i == at ? "] " : " ");
    return out;
}

unsigned seed_from_environment()
{
    // ELECTD_CRASH_SEED replays a run's kill points.
    if (char const* s = std::getenv("ELECTD_CRASH_SEED"); s && *s)
        return static_cast<unsigned>(std::stoul(s));
    return std::random_device{}();
}

} // namespace

TEST_CASE("SIGKILL at random moments under concurrent ingest and a subscriber: every acknowledged declaration "
          "stored once, alert seqs without a gap, and the subscriber resumes exactly",
          "[e2e][crash]")
{
    auto started = clock_type::now();
    temp_dir dir;
    auto db = dir / "electd.db";
    auto const seed = seed_from_environment();
    std::mt19937 rng(seed);
    INFO("seed " << seed << " (ELECTD_CRASH_SEED to replay)");

    constexpr std::size_t senders = 4;
    constexpr int kills = 3;
    auto const work = deal_the_night(senders);
    std::size_t total = 0;
    for (auto const& w : work)
        total += w.size();

    struct ack {
        std::int64_t seq;
        int status;
    };
    std::mutex mutex;
    std::map<std::pair<std::string, int>, ack> acknowledged; // (seat, revision) -> answer
    std::vector<std::string> unexpected;
    std::atomic<std::size_t> acks{0}, failed_posts{0}, unanswered_but_stored{0};

    daemon_slot slot;
    auto daemon = std::make_unique<daemon_process>(db);
    slot.up(daemon->url());
    resuming_subscriber subscriber(slot);

    std::vector<std::thread> threads;
    joining joiner{slot, threads};
    for (std::size_t s = 0; s < senders; ++s) {
        threads.emplace_back([&, s] {
            auto [generation, url] = slot.current();
            std::unique_ptr<cli::http_client> client;
            bool resent = false; // the item in hand was sent once and its answer lost
            for (std::size_t i = 0; i < work[s].size() && !slot.abandoned();) {
                auto const& it = work[s][i];
                try {
                    if (!client)
                        client = std::make_unique<cli::http_client>(url, 20s);
                    auto a = client->post_json("/v1/declarations", it.body);
                    std::lock_guard lock(mutex);
                    if (a.status == 201 || a.status == 200) {
                        auto seq = json::parse(a.body).at("seq").as_int64();
                        auto [at, fresh] = acknowledged.try_emplace({it.ons_code, it.revision}, ack{seq, a.status});
                        if (!fresh && at->second.seq != seq)
                            unexpected.push_back(it.ons_code + " revision " + std::to_string(it.revision)
                                                 + " acknowledged as seq " + std::to_string(at->second.seq)
                                                 + " and later as seq " + std::to_string(seq));
                        if (resent && a.status == 200)
                            ++unanswered_but_stored;
                        ++acks;
                    } else {
                        unexpected.push_back(std::to_string(a.status) + " for " + it.ons_code + " revision "
                                             + std::to_string(it.revision) + ": " + a.body.substr(0, 300));
                    }
                    resent = false;
                    ++i;
                } catch (std::exception const&) {
                    // Killed mid-request: nothing is known of this one, so it is sent again.
                    ++failed_posts;
                    resent = true;
                    client.reset();
                    std::tie(generation, url) = slot.wait_after(generation);
                }
            }
        });
    }

    // Kill at a random point of each fifth of the load, a few milliseconds after it is reached,
    // restart on the same database, and let the last part finish.
    std::vector<std::size_t> killed_at;
    for (int k = 0; k < kills; ++k) {
        std::uniform_int_distribution<std::size_t> point(total * (2 * k + 1) / 8, total * (2 * k + 2) / 8);
        auto threshold = point(rng);
        // A daemon that dies on its own (a sanitizer halting it, a crash) fails here, not by a timeout.
        REQUIRE(eventually([&] { return acks >= threshold || !daemon->running(); }, 60s));
        INFO(daemon->log());
        REQUIRE(daemon->running());
        std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20000)(rng)));
        slot.down();
        killed_at.push_back(acks);
        daemon->kill();
        daemon = std::make_unique<daemon_process>(db);
        slot.up(daemon->url());
    }
    joiner.join();

    cli::http_client client(daemon->url());
    auto last_seq = get_json(client, "/v1/alerts?limit=1").at("last_seq").as_int64();
    auto caught_up = eventually([&] { return subscriber.last() >= last_seq; }, 20s);
    subscriber.stop();
    CHECK(daemon->terminate() == 0);

    {
        std::lock_guard lock(mutex);
        INFO(unexpected.size() << " unexpected answers, the first: " << (unexpected.empty() ? "" : unexpected.front()));
        CHECK(unexpected.empty());
    }
    REQUIRE(acknowledged.size() == total); // every item was eventually acknowledged
    REQUIRE(killed_at.size() == kills);
    for (std::size_t k = 1; k < killed_at.size(); ++k)
        CHECK(killed_at[k] > killed_at[k - 1]); // each kill really was mid-load
    CHECK(killed_at.back() < total);

    // Every acknowledged declaration is stored exactly once, under the seq it was answered with.
    {
        std::set<std::int64_t> seqs;
        for (auto const& [key, a] : acknowledged) {
            INFO(key.first << " revision " << key.second << " acknowledged as seq " << a.seq);
            CHECK(query_int(db, "SELECT COUNT(*) FROM declarations WHERE constituency = '" + key.first
                                    + "' AND revision = " + std::to_string(key.second))
                  == 1);
            CHECK(query_int(db, "SELECT seq FROM declarations WHERE constituency = '" + key.first
                                    + "' AND revision = " + std::to_string(key.second))
                  == a.seq);
            seqs.insert(a.seq);
        }
        CHECK(seqs.size() == acknowledged.size());
    }
    auto stored = query_int(db, "SELECT COUNT(*) FROM declarations");
    CHECK(stored == static_cast<std::int64_t>(total)); // nothing stored that was never acknowledged
    CHECK(query_int(db, "SELECT COUNT(*) FROM (SELECT DISTINCT constituency, revision, kind FROM declarations)") == stored);
    CHECK(query_int(db, "SELECT MIN(seq) FROM declarations") == 1);
    CHECK(query_int(db, "SELECT MAX(seq) FROM declarations") == stored);

    // Alert seqs are 1..N with no gap, and electd check agrees.
    auto alerts = query_int(db, "SELECT COUNT(*) FROM alerts");
    CHECK(alerts == last_seq);
    CHECK(query_int(db, "SELECT MIN(seq) FROM alerts") == 1);
    CHECK(query_int(db, "SELECT MAX(seq) FROM alerts") == alerts);
    CHECK(query_int(db, "SELECT COUNT(*) FROM alerts WHERE declaration_seq IS NOT NULL AND declaration_seq NOT IN "
                        "(SELECT seq FROM declarations)")
          == 0);
    auto check = run_electd({"check", "--db", db.string()});
    INFO(check.output);
    CHECK(check.exit_code == 0);

    // The subscriber, resuming after every kill from the last seq it saw, got each alert once, in order.
    auto seqs = subscriber.seqs();
    CHECK(caught_up);
    auto bad = first_out_of_line(seqs);
    INFO("received " << seqs.size() << " alerts; out of line at " << bad << ": " << describe_around(seqs, bad));
    CHECK(bad == seqs.size());
    CHECK(static_cast<std::int64_t>(seqs.size()) == alerts);
    auto resumptions = subscriber.resumptions();
    CHECK(subscriber.connections() >= kills + 1);
    for (auto [since, first] : resumptions)
        CHECK(first == since + 1);

    std::cout << "crash: seed " << seed << ", " << kills << " SIGKILLs at " << killed_at[0] << "/" << killed_at[1]
              << "/" << killed_at[2] << " of " << total << " declarations acknowledged; " << failed_posts
              << " requests cut off, " << unanswered_but_stored << " of them stored before the kill (answered 200 on resend); "
              << stored << " declarations and " << alerts << " alerts checked; subscriber resumed "
              << resumptions.size() << " times; " << seconds_since(started) << " s\n";
}
