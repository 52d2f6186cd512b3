#include "daemon/reload.hpp"

#include "daemon/app.hpp"
#include "daemon/config.hpp"
#include "daemon/reference_loader.hpp"
#include "feeds/model_files.hpp"
#include "feeds/reference_csv.hpp"
#include "support/log.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace electd::daemon {

reloader::reloader(tracker& t, authenticator& auth, server_config const& running, std::function<server_config()> reread)
    : tracker_(t), auth_(auth), running_(running), reread_(std::move(reread))
{
}

boost::asio::awaitable<void> reloader::reload()
{
    auto log = module_logger("app");
    ++reloads_;
    server_config next;
    try {
        next = reread_();
        // The listener stays where it is until a restart: the tokens must suit that address.
        auto as_bound = next;
        as_bound.listen_host = running_.listen_host;
        validate(as_bound);
    } catch (std::exception const& e) {
        log->error("reload: the configuration is not valid, keeping the running one: {}", e.what());
        co_return;
    }

    // Applied live.
    auth_.reload(auth_tokens(next), next.open_reads);
    spdlog::set_level(spdlog::level::from_str(next.log_level));
    log->info("reload: {} tokens, reads {}, log level {}", auth_tokens(next).size(),
              next.open_reads ? "open" : "need a token when tokens are configured", next.log_level);

    // Everything else takes a restart; say which, so nobody believes a change took effect.
    for (auto const& o : serve_options()) {
        if (o.key == "server.log_level" || o.key == "auth.admin_token" || o.key == "auth.open_reads")
            continue;
        if (o.show(running_) != o.show(next))
            log->warn("reload: {} changed from '{}' to '{}'; it takes effect on restart", o.key, o.show(running_), o.show(next));
    }
    auto tables = [](server_config const& c) {
        std::string t;
        for (auto const& w : c.webhooks)
            t += "webhook " + w.name + " " + w.url + "\n";
        for (auto const& f : c.feeds)
            t += "feed " + f.name + " " + f.type + " " + f.path + f.url + "\n";
        return t;
    };
    if (tables(running_) != tables(next))
        log->warn("reload: [[webhooks]] or [[feeds]] changed; they take effect on restart");
    auto tokens = std::move(next.tokens);
    auto admin = std::move(next.admin_token);
    running_.tokens = std::move(tokens);
    running_.admin_token = std::move(admin);
    running_.open_reads = next.open_reads;
    running_.log_level = next.log_level;

    // Forecast files: each model whose forecasts differ from the running one is stored again,
    // through the tracker, as an upload would be.
    if (running_.reference_dir) {
        int changed = co_await reload_models(*running_.reference_dir);
        log->info("reload: {} forecast models changed in {}/models", changed, *running_.reference_dir);
        co_await reload_watchlist(*running_.reference_dir);
    }
}

namespace {

// The model in one order whatever its origin: the store gives back values, parties and national
// seats sorted, a file in its own order. Where it came from is not a forecast.
core::model canonical(core::model m)
{
    auto by_party = [](auto const& a, auto const& b) { return a.party < b.party; };
    for (auto& seat : m.seats)
        if (seat)
            std::sort(seat->values.begin(), seat->values.end(), by_party);
    std::sort(m.parties.begin(), m.parties.end());
    std::sort(m.national_seats.begin(), m.national_seats.end());
    m.source.clear();
    return m;
}

bool same_forecasts(core::model const& a, core::model const& b)
{
    return canonical(a) == canonical(b);
}

} // namespace

boost::asio::awaitable<void> reloader::reload_watchlist(std::string const& dir)
{
    auto log = module_logger("app");
    auto data = directory_files(dir)("watchlist.csv");
    if (!data)
        co_return;
    watchlist_request req;
    try {
        req.entries = feeds::read_watchlist(*data, *tracker_.current()->reference());
    } catch (std::exception const& e) {
        log->error("reload: {}/watchlist.csv is not valid, keeping the running seats to watch: {}", dir, e.what());
        co_return;
    }
    auto count = req.entries.size();
    auto outcome = co_await tracker_.async_put_watchlist(std::move(req), boost::asio::use_awaitable);
    if (!outcome.stored)
        log->error("reload: the seats to watch could not be stored: {}", outcome.message);
    else if (outcome.changed)
        log->info("reload: seats to watch replaced ({} seats)", count);
    else
        log->info("reload: seats to watch unchanged");
}

boost::asio::awaitable<int> reloader::reload_models(std::string const& dir)
{
    auto log = module_logger("app");
    auto snap = tracker_.current();
    std::vector<std::shared_ptr<core::model>> models;
    try {
        models = feeds::read_models(directory_files(dir), *snap->reference());
    } catch (std::exception const& e) {
        log->error("reload: the model files in {} are not valid, keeping the running models: {}", dir, e.what());
        co_return 0;
    }
    int changed = 0;
    for (auto& m : models) {
        auto const& running = snap->models();
        auto it = std::find_if(running.begin(), running.end(), [&](model_entry const& e) { return e.model->name == m->name; });
        if (it != running.end() && same_forecasts(*m, *it->model))
            continue;
        model_request mr;
        mr.model = m;
        mr.source = dir + "/models";
        mr.received_at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
        auto outcome = co_await tracker_.async_put_model(std::move(mr), boost::asio::use_awaitable);
        if (!outcome.stored) {
            log->error("reload: model {} could not be stored: {}", m->name, outcome.message);
            continue;
        }
        log->info("reload: model {} {}", m->name, outcome.replaced ? "replaced" : "added");
        ++changed;
    }
    co_return changed;
}

} // namespace electd::daemon
