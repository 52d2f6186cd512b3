#include "daemon/webhooks.hpp"

#include "core/json_writer.hpp"
#include "daemon/hub.hpp"
#include "feeds/http_fetch.hpp"
#include "support/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <random>

namespace electd::daemon {
namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::int64_t now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

alert_filter filter_of(webhook_config const& c)
{
    alert_filter f;
    f.types = c.types;
    f.min_level = core::severity_from(c.min_severity).value_or(core::severity::info);
    f.regions = c.regions;
    f.parties = c.parties;
    f.constituencies = c.constituencies;
    f.watchlist_only = c.watchlist;
    return f;
}

} // namespace

struct webhook_dispatcher::endpoint {
    endpoint(asio::io_context& ioc, webhook_config c)
        : cfg(std::move(c)), filter(filter_of(cfg)), strand(asio::make_strand(ioc)), wake(strand, 1), timer(strand)
    {
    }
    webhook_config cfg;
    alert_filter filter;
    asio::strand<asio::io_context::executor_type> strand;
    asio::experimental::concurrent_channel<void(boost::system::error_code)> wake;
    asio::steady_timer timer;
    storage::webhook_cursor cursor; // guarded by the dispatcher's mutex for readers
    std::size_t dead = 0;
};

webhook_dispatcher::webhook_dispatcher(asio::io_context& ioc, tracker& t, std::vector<webhook_config> endpoints)
    : ioc_(ioc), tracker_(t), dead_letters_(t.stored_dead_letters())
{
    for (auto& c : endpoints) {
        auto e = std::make_unique<endpoint>(ioc, std::move(c));
        auto const& stored = t.stored_webhook_cursors();
        auto it = std::find_if(stored.begin(), stored.end(),
                               [&](storage::webhook_cursor const& s) { return s.endpoint == e->cfg.name; });
        if (it != stored.end()) {
            e->cursor = *it;
        } else {
            // A new endpoint starts from now, unless configured to take the whole night.
            e->cursor.endpoint = e->cfg.name;
            e->cursor.delivered_seq = e->cfg.from_start ? 0 : t.alerts().last_seq();
        }
        for (auto const& d : dead_letters_)
            e->dead += d.endpoint == e->cfg.name ? 1 : 0;
        endpoints_.push_back(std::move(e));
    }
}

webhook_dispatcher::~webhook_dispatcher()
{
    stop();
}

void webhook_dispatcher::start()
{
    for (auto& e : endpoints_)
        asio::co_spawn(e->strand, run(*e), [name = e->cfg.name](std::exception_ptr ex) {
            if (!ex)
                return;
            try {
                std::rethrow_exception(ex);
            } catch (std::exception const& err) {
                module_logger("webhooks")->error("webhook '{}' stopped: {}", name, err.what());
            }
        });
}

void webhook_dispatcher::notify()
{
    for (auto& e : endpoints_)
        e->wake.try_send(boost::system::error_code{});
}

void webhook_dispatcher::stop()
{
    stopped_ = true;
    for (auto& e : endpoints_) {
        e->wake.close();
        asio::post(e->strand, [&e = *e] { e.timer.cancel(); });
    }
}

std::string webhook_dispatcher::sign(std::string_view secret, std::string_view body)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<unsigned char const*>(body.data()), body.size(), mac, &len);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "sha256=";
    for (unsigned i = 0; i < len; ++i) {
        out += hex[mac[i] >> 4];
        out += hex[mac[i] & 15];
    }
    return out;
}

asio::awaitable<void> webhook_dispatcher::run(endpoint& e)
{
    auto log = module_logger("webhooks");
    std::optional<feeds::http_fetcher> client;
    try {
        client.emplace(e.strand, e.cfg.url, e.cfg.ca_file, e.cfg.timeout);
    } catch (std::exception const& err) {
        log->error("webhook '{}' is off: {}", e.cfg.name, err.what());
        co_return;
    }
    std::mt19937_64 jitter(std::random_device{}());
    {
        // A new endpoint's starting point is stored at once, so a restart does not skip ahead.
        webhook_request first;
        {
            std::lock_guard lock(mutex_);
            first.cursor = e.cursor;
        }
        co_await tracker_.async_webhook_progress(std::move(first), asio::use_awaitable);
    }
    while (!stopped_) {
        storage::webhook_cursor cursor;
        {
            std::lock_guard lock(mutex_);
            cursor = e.cursor;
        }
        auto next = tracker_.alerts().after(cursor.delivered_seq, e.filter, 1);
        if (next.empty()) {
            auto [ec] = co_await e.wake.async_receive(use_tuple);
            if (ec)
                co_return; // closed: shutting down
            continue;
        }
        auto const& alert = *next.front();
        if (cursor.next_attempt_ms && *cursor.next_attempt_ms > now_ms()) {
            e.timer.expires_after(std::chrono::milliseconds(*cursor.next_attempt_ms - now_ms()));
            co_await e.timer.async_wait(use_tuple);
            continue;
        }
        auto body = *hub::alert_message(alert);
        feeds::fetch_request req;
        req.method = "POST";
        req.body = body;
        req.headers = {{"Content-Type", "application/json"},
                       {"Idempotency-Key", e.cfg.name + "-" + std::to_string(alert.seq)},
                       {"X-Electd-Seq", std::to_string(alert.seq)},
                       {"X-Electd-Delivery", std::to_string(cursor.attempts + 1)},
                       {"X-Electd-Signature", sign(e.cfg.secret, body)}};
        auto result = co_await client->fetch(std::move(req));
        bool ok = result.response && result.response->status >= 200 && result.response->status < 300;
        std::optional<storage::dead_letter> dead;
        if (ok) {
            cursor.delivered_seq = alert.seq;
            cursor.attempts = 0;
            cursor.next_attempt_ms.reset();
            cursor.last_status = result.response->status;
            cursor.last_error.clear();
            ++stats_.delivered;
        } else {
            ++stats_.failed;
            cursor.attempts += 1;
            cursor.last_status = result.response ? std::optional<int>(result.response->status) : std::nullopt;
            cursor.last_error = result.response ? "HTTP " + std::to_string(result.response->status) : result.error;
            if (cursor.attempts >= e.cfg.max_attempts) {
                log->warn("webhook '{}': alert {} dead-lettered after {} attempts ({})", e.cfg.name, alert.seq,
                          cursor.attempts, cursor.last_error);
                dead = storage::dead_letter{e.cfg.name, alert.seq, cursor.attempts, cursor.last_error, now_ms()};
                cursor.delivered_seq = alert.seq; // move on: order continues with the next alert
                cursor.attempts = 0;
                cursor.next_attempt_ms.reset();
                ++stats_.dead_lettered;
            } else {
                // Exponential backoff with up to 25% jitter, so retrying endpoints do not march in step.
                auto base = std::min<std::int64_t>(e.cfg.max_backoff.count(),
                                                   e.cfg.backoff.count() << std::min(cursor.attempts - 1, 20));
                auto wait = base + static_cast<std::int64_t>(jitter() % static_cast<std::uint64_t>(base / 4 + 1));
                cursor.next_attempt_ms = now_ms() + wait;
                log->info("webhook '{}': alert {} failed ({}), attempt {} of {}, next in {} ms", e.cfg.name, alert.seq,
                          cursor.last_error, cursor.attempts, e.cfg.max_attempts, wait);
            }
        }
        webhook_request progress{cursor, dead};
        auto recorded = co_await tracker_.async_webhook_progress(std::move(progress), asio::use_awaitable);
        bool stored = recorded.stored;
        std::lock_guard lock(mutex_);
        if (stored || !ok) {
            e.cursor = cursor;
            if (dead) {
                dead_letters_.push_back(*dead);
                ++e.dead;
            }
        }
        // If the progress could not be stored (disk full), the delivery is repeated later:
        // at least once, never lost.
    }
}

std::string webhook_dispatcher::status_json() const
{
    std::string out;
    core::json_writer w(out);
    std::lock_guard lock(mutex_);
    w.begin_object().key("webhooks").begin_array();
    for (auto const& e : endpoints_) {
        auto const& c = e->cursor;
        auto pending = tracker_.alerts().after(c.delivered_seq, e->filter, 100000).size();
        w.begin_object().field("name", e->cfg.name).field("url", e->cfg.url);
        w.field("delivered_seq", c.delivered_seq).field("pending", pending).field("attempts", c.attempts);
        w.field("last_status", c.last_status).field("last_error", c.last_error);
        w.key("next_attempt_at");
        c.next_attempt_ms ? w.value(core::format_rfc3339(core::from_unix_ms(*c.next_attempt_ms))) : w.null();
        w.field("dead_letters", e->dead).field("max_attempts", e->cfg.max_attempts).end_object();
    }
    w.end_array().end_object();
    return out;
}

std::optional<std::string> webhook_dispatcher::dead_letters_json(std::string const& name) const
{
    if (std::none_of(endpoints_.begin(), endpoints_.end(), [&](auto const& e) { return e->cfg.name == name; }))
        return std::nullopt;
    std::string out;
    core::json_writer w(out);
    std::lock_guard lock(mutex_);
    w.begin_object().field("webhook", name).key("dead_letters").begin_array();
    for (auto const& d : dead_letters_)
        if (d.endpoint == name)
            w.begin_object().field("alert_seq", d.alert_seq).field("attempts", d.attempts).field("last_error", d.last_error)
                .field("dead_at", core::format_rfc3339(core::from_unix_ms(d.dead_ms))).end_object();
    w.end_array().end_object();
    return out;
}

} // namespace electd::daemon
