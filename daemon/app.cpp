#include "daemon/app.hpp"

#include "daemon/analysis_api.hpp"
#include "daemon/archive_api.hpp"
#include "daemon/feed_clients.hpp"
#include "daemon/http_server.hpp"
#include "daemon/hub.hpp"
#include "daemon/web_api.hpp"
#include "daemon/webhooks.hpp"
#include "daemon/ingest_api.hpp"
#include "daemon/metrics_api.hpp"
#include "daemon/read_api.hpp"
#include "daemon/reference_loader.hpp"
#include "daemon/reload.hpp"
#include "daemon/systemd_notify.hpp"
#include "daemon/tracker.hpp"
#include "feeds/model_files.hpp"
#include "storage/migrations.hpp"
#include "storage/model_store.hpp"
#include "storage/reference_store.hpp"
#include "support/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <set>
#include <sys/resource.h>
#include <thread>

namespace electd::daemon {
namespace asio = boost::asio;

namespace {

// Schema and reference data are settled before the tracker opens the database.
std::shared_ptr<core::reference_data const> prepare_database(server_config const& cfg)
{
    auto log = module_logger("app");
    storage::connection db(cfg.db_path);
    storage::migrate(db);
    if (cfg.open_election) {
        storage::ensure_open_election(db, "Election from the feed");
        return storage::load_reference(db);
    }
    auto stored = storage::stored_reference_version(db);
    if (stored && stored->first == "open")
        throw std::runtime_error("the database '" + cfg.db_path + "' holds an election run from the feed: "
                                 "start it with --open-election");
    if (cfg.reference_dir || !stored || stored->first == bundled_short_name()) {
        auto [ref, source] = cfg.reference_dir ? std::make_pair(read_reference_dir(*cfg.reference_dir), *cfg.reference_dir)
                                               : std::make_pair(read_bundled_reference(), std::string("bundled"));
        auto files = cfg.reference_dir ? directory_files(*cfg.reference_dir) : bundled_files();
        switch (storage::save_reference(db, *ref, source)) {
        case storage::reference_outcome::loaded:
            log->info("loaded reference data '{}' version {} ({} seats) from {}", ref->info.name,
                      ref->info.data_version, ref->seat_count(), source);
            break;
        case storage::reference_outcome::upgraded:
            log->info("upgraded reference data '{}' to version {} from {}", ref->info.name, ref->info.data_version,
                      source);
            break;
        case storage::reference_outcome::already_current:
            break;
        }
        load_models(db, files, source);
    }
    return storage::load_reference(db);
}

} // namespace

namespace {

// Many subscribers need many descriptors: take the hard limit (systemd's LimitNOFILE sets it).
void raise_open_file_limit()
{
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
}

} // namespace

std::vector<token_config> auth_tokens(server_config const& cfg)
{
    auto tokens = cfg.tokens;
    if (!cfg.admin_token.empty())
        tokens.push_back({"admin", role::admin, token_hash(cfg.admin_token), 0});
    return tokens;
}

int run_server(server_config const& cfg, std::function<server_config()> reread)
{
    auto log = module_logger("app");
    raise_open_file_limit();
    auto ref = prepare_database(cfg);
    log->info("election '{}': {} seats, reference data version {}", ref->info.name, ref->seat_count(),
              ref->info.data_version);

    asio::io_context ioc(static_cast<int>(cfg.threads));
    auto work = asio::make_work_guard(ioc);
    tracker track(cfg.db_path, ref, ioc.get_executor());
    track.set_open_election(cfg.open_election);
    track.start();

    router routes;
    authenticator auth(auth_tokens(cfg), cfg.open_reads);
    routes.set_authenticator(&auth);
    ingestor ingest(track, cfg);
    add_ingest_routes(routes, ingest);
    add_read_routes(routes, track);
    add_analysis_routes(routes, track);
    add_web_routes(routes, track);
    asio::thread_pool archive_pool(1); // SQLite reads for the archive, off the network threads
    add_archive_routes(routes, cfg, archive_pool);

    hub push(ioc, hub_config{cfg.max_subscribers, cfg.max_subscribers_per_address, cfg.max_queue, cfg.heartbeat},
             cfg.threads);
    webhook_dispatcher hooks(ioc, track, cfg.webhooks);
    track.set_listener([&push, &hooks](commit_event ev) {
        bool alerts = !ev.alerts.empty();
        push.publish(std::move(ev));
        if (alerts)
            hooks.notify();
    });
    push.start();
    hooks.start();
    add_webhook_routes(routes, hooks);
    feed_clients clients(ioc, ingest, track, cfg.feeds);
    add_feed_routes(routes, clients);
    http_server server(ioc, cfg, routes);
    server.set_streams(stream_context{push, track, cfg});
    add_metrics_route(routes, metrics_sources{track, server, push, hooks, ingest, &clients, cfg.db_path});
    auto ep = server.start();
    log->info("listening on {}://{}:{}", server.scheme(), ep.address().to_string(), ep.port());
    clients.start();
    notify_systemd("READY=1\nSTATUS=listening on " + ep.address().to_string() + ":" + std::to_string(ep.port()));

    // SIGHUP: configuration, tokens and model files again, one reload at a time.
    reloader reloads(track, auth, cfg, std::move(reread));
    asio::signal_set hangups(ioc, SIGHUP);
    std::function<void()> wait_for_hangup = [&] {
        hangups.async_wait([&](boost::system::error_code ec, int) {
            if (ec)
                return;
            log->info("received SIGHUP, reloading");
            notify_systemd("RELOADING=1");
            asio::co_spawn(ioc, reloads.reload(), [&](std::exception_ptr e) {
                if (e)
                    log->error("reload failed");
                notify_systemd("READY=1");
                wait_for_hangup();
            });
        });
    };
    wait_for_hangup();

    // The watchdog is fed only while the tracker keeps coming round: a wedged tracker (a hung
    // fsync, a deadlock) stops the pings and systemd restarts the service.
    asio::steady_timer watchdog(ioc);
    auto watchdog_every = watchdog_interval();
    std::function<void()> feed_watchdog = [&] {
        auto now = std::chrono::steady_clock::now().time_since_epoch();
        auto stale = std::chrono::nanoseconds(now.count() - track.stats().alive_ns.load());
        if (stale < *watchdog_every)
            notify_systemd("WATCHDOG=1");
        else
            log->error("the tracker has not come round for {} ms; not feeding the watchdog",
                       std::chrono::duration_cast<std::chrono::milliseconds>(stale).count());
        watchdog.expires_after(*watchdog_every);
        watchdog.async_wait([&](boost::system::error_code ec) {
            if (!ec)
                feed_watchdog();
        });
    };
    if (watchdog_every) {
        log->info("feeding the systemd watchdog every {} ms", std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog_every).count());
        feed_watchdog();
    }

    // Shutdown: stop accepting, let in-flight requests be answered, drain the tracker, stop.
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    asio::steady_timer drain_timer(ioc);
    auto deadline = std::chrono::steady_clock::now();
    std::function<void()> wait_for_drain = [&] {
        bool idle = server.stats().in_flight == 0 && push.stats().subscribers == 0;
        if (idle || std::chrono::steady_clock::now() >= deadline) {
            if (!idle)
                log->warn("drain timed out with {} requests unanswered and {} subscribers open",
                          server.stats().in_flight.load(), push.stats().subscribers.load());
            work.reset();
            ioc.stop();
            return;
        }
        drain_timer.expires_after(std::chrono::milliseconds(20));
        drain_timer.async_wait([&](boost::system::error_code) { wait_for_drain(); });
    };
    signals.async_wait([&](boost::system::error_code ec, int sig) {
        if (ec)
            return;
        log->info("received {}, draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        notify_systemd("STOPPING=1");
        hangups.cancel();
        watchdog.cancel();
        server.stop_accepting();
        push.shutdown(); // subscribers hear "going away" and resume elsewhere with since
        hooks.stop();    // deliveries resume from the stored cursors on the next start
        clients.stop();  // feeds resume from their stored positions on the next start
        deadline = std::chrono::steady_clock::now() + cfg.drain_timeout;
        wait_for_drain();
    });

    std::vector<std::thread> threads;
    for (unsigned i = 1; i < cfg.threads; ++i)
        threads.emplace_back([&] { ioc.run(); });
    ioc.run();
    for (auto& t : threads)
        t.join();
    track.stop();
    log->info("stopped cleanly");
    return 0;
}

} // namespace electd::daemon
