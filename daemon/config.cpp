#include "daemon/config.hpp"

#include "daemon/query.hpp"

#include <toml++/toml.h>

#include <charconv>
#include <map>
#include <cstdlib>
#include <algorithm>
#include <sstream>

namespace electd::daemon {
namespace {

std::size_t to_size(std::string const& s, std::size_t min = 0)
{
    std::size_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
        throw std::invalid_argument("'" + s + "' is not a whole number");
    if (v < min)
        throw std::invalid_argument("must be at least " + std::to_string(min));
    return v;
}

std::chrono::seconds to_seconds(std::string const& s)
{
    return std::chrono::seconds(static_cast<long>(to_size(s, 1)));
}

std::pair<std::string, unsigned short> split_listen(std::string const& listen)
{
    auto colon = listen.rfind(':');
    if (colon == std::string::npos)
        throw std::invalid_argument("takes HOST:PORT, e.g. 127.0.0.1:8080");
    auto host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    auto port = to_size(listen.substr(colon + 1));
    if (port > 65535)
        throw std::invalid_argument("'" + listen.substr(colon + 1) + "' is not a port number (0-65535)");
    return {host, static_cast<unsigned short>(port)};
}

template <class Field>
option_spec size_option(std::string key, std::string cli, std::string help, Field field, std::size_t min = 0)
{
    return {std::move(key), std::move(cli), std::move(help),
            [field, min](server_config& c, std::string const& v) { c.*field = static_cast<std::remove_reference_t<decltype(c.*field)>>(to_size(v, min)); },
            [field](server_config const& c) { return std::to_string(c.*field); }};
}

option_spec seconds_option(std::string key, std::string cli, std::string help, std::chrono::seconds server_config::*field)
{
    return {std::move(key), std::move(cli), std::move(help),
            [field](server_config& c, std::string const& v) { c.*field = to_seconds(v); },
            [field](server_config const& c) { return std::to_string((c.*field).count()); }};
}

std::string node_text(toml::node const& n)
{
    if (auto s = n.as_string())
        return s->get();
    if (auto i = n.as_integer())
        return std::to_string(i->get());
    if (auto b = n.as_boolean())
        return b->get() ? "true" : "false";
    if (auto f = n.as_floating_point())
        return std::to_string(f->get());
    throw std::invalid_argument("must be a string, number or boolean");
}

std::string where(std::string const& path, toml::node const& n)
{
    auto const& src = n.source();
    return path + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

std::set<std::string> string_set(toml::node const& n, std::string const& at)
{
    std::set<std::string> out;
    auto const* arr = n.as_array();
    if (!arr)
        throw config_error(at + ": must be an array of strings");
    for (auto const& e : *arr) {
        auto s = e.as_string();
        if (!s)
            throw config_error(at + ": must be an array of strings");
        out.insert(s->get());
    }
    return out;
}

webhook_config read_webhook(toml::table const& t, std::string const& path)
{
    webhook_config w;
    for (auto const& [k, v] : t) {
        std::string key(k.str());
        auto at = where(path, v);
        try {
            if (key == "name") w.name = node_text(v);
            else if (key == "url") w.url = node_text(v);
            else if (key == "secret") w.secret = node_text(v);
            else if (key == "types") w.types = string_set(v, at);
            else if (key == "min_severity") w.min_severity = node_text(v);
            else if (key == "regions") w.regions = string_set(v, at);
            else if (key == "parties") w.parties = string_set(v, at);
            else if (key == "constituencies") w.constituencies = string_set(v, at);
            else if (key == "watchlist") w.watchlist = node_text(v) == "true";
            else if (key == "max_attempts") w.max_attempts = static_cast<int>(to_size(node_text(v), 1));
            else if (key == "timeout_ms") w.timeout = std::chrono::milliseconds(to_size(node_text(v), 1));
            else if (key == "backoff_ms") w.backoff = std::chrono::milliseconds(to_size(node_text(v), 1));
            else if (key == "max_backoff_ms") w.max_backoff = std::chrono::milliseconds(to_size(node_text(v), 1));
            else if (key == "ca_file") w.ca_file = node_text(v);
            else if (key == "start") {
                auto s = node_text(v);
                if (s != "now" && s != "beginning")
                    throw std::invalid_argument("must be \"now\" or \"beginning\"");
                w.from_start = s == "beginning";
            } else
                throw config_error(at + ": unknown webhook setting '" + key + "'");
        } catch (std::invalid_argument const& e) {
            throw config_error(at + ": webhooks." + key + " " + e.what());
        }
    }
    auto at = where(path, t);
    if (w.name.empty() || w.url.empty() || w.secret.empty())
        throw config_error(at + ": a webhook needs name, url and secret");
    if (!w.url.starts_with("http://") && !w.url.starts_with("https://"))
        throw config_error(at + ": webhook '" + w.name + "' url must start with http:// or https://");
    if (w.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
        throw config_error(at + ": webhook name '" + w.name + "' may hold only a-z, 0-9, '-' and '_'");
    return w;
}

feed_config read_feed(toml::table const& t, std::string const& path)
{
    feed_config f;
    auto at = where(path, t);
    if (auto type = t.get("type"))
        f.type = node_text(*type);
    // Which keys each type takes; any other is a mistake worth stopping for.
    static std::map<std::string, std::set<std::string>> const keys = {
        {"drop", {"type", "name", "path", "settle_ms", "backoff_ms", "max_backoff_ms"}},
        {"poll", {"type", "name", "url", "interval_ms", "timeout_ms", "max_backoff_ms", "stall_after_s", "ca_file"}},
        {"websocket", {"type", "name", "url", "timeout_ms", "backoff_ms", "max_backoff_ms", "ca_file"}}};
    auto allowed = keys.find(f.type);
    if (allowed == keys.end())
        throw config_error(at + ": a feed needs type = \"drop\", \"poll\" or \"websocket\"");
    for (auto const& [k, v] : t) {
        std::string key(k.str());
        auto vat = where(path, v);
        if (!allowed->second.count(key))
            throw config_error(vat + ": unknown setting '" + key + "' for a feed of type " + f.type);
        try {
            auto ms = [&](std::size_t min) { return std::chrono::milliseconds(to_size(node_text(v), min)); };
            if (key == "name") f.name = node_text(v);
            else if (key == "path") f.path = node_text(v);
            else if (key == "url") f.url = node_text(v);
            else if (key == "settle_ms") f.settle = ms(0);
            else if (key == "interval_ms") f.interval = ms(10);
            else if (key == "timeout_ms") f.timeout = ms(10);
            else if (key == "backoff_ms") f.backoff = ms(1);
            else if (key == "max_backoff_ms") f.max_backoff = ms(1);
            else if (key == "stall_after_s") f.stall_after = std::chrono::seconds(to_size(node_text(v)));
            else if (key == "ca_file") f.ca_file = node_text(v);
        } catch (std::invalid_argument const& e) {
            throw config_error(vat + ": feeds." + key + " " + e.what());
        }
    }
    if (f.name.empty())
        throw config_error(at + ": a feed needs a name");
    if (f.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
        throw config_error(at + ": feed name '" + f.name + "' may hold only a-z, 0-9, '-' and '_'");
    if (f.type == "drop" && f.path.empty())
        throw config_error(at + ": drop feed '" + f.name + "' needs a path");
    if (f.type == "poll" && !f.url.starts_with("http://") && !f.url.starts_with("https://"))
        throw config_error(at + ": poll feed '" + f.name + "' needs a url starting with http:// or https://");
    if (f.type == "websocket" && !f.url.starts_with("ws://") && !f.url.starts_with("wss://"))
        throw config_error(at + ": websocket feed '" + f.name + "' needs a url starting with ws:// or wss://");
    return f;
}

token_config read_token(toml::table const& t, std::string const& path)
{
    token_config tok;
    bool have_role = false;
    for (auto const& [k, v] : t) {
        std::string key(k.str());
        auto at = where(path, v);
        try {
            if (key == "name")
                tok.name = node_text(v);
            else if (key == "role") {
                auto r = role_from(node_text(v));
                if (!r)
                    throw std::invalid_argument("must be \"read\", \"ingest\" or \"admin\"");
                tok.grants = *r;
                have_role = true;
            } else if (key == "sha256") {
                tok.sha256 = node_text(v);
                if (tok.sha256.size() != 64 || tok.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
                    throw std::invalid_argument("must be 64 lower-case hex digits: printf %s TOKEN | sha256sum");
            } else if (key == "rate") {
                auto text = node_text(v);
                char* end = nullptr;
                tok.rate = std::strtod(text.c_str(), &end);
                if (end != text.c_str() + text.size() || tok.rate < 0)
                    throw std::invalid_argument("must be a number of requests per second (0: unlimited)");
            } else
                throw config_error(at + ": unknown token setting '" + key + "' (name, role, sha256, rate)");
        } catch (std::invalid_argument const& e) {
            throw config_error(at + ": tokens." + key + " " + e.what());
        }
    }
    auto at = where(path, t);
    if (tok.name.empty() || tok.sha256.empty() || !have_role)
        throw config_error(at + ": a token needs name, role and sha256 (the token itself is never stored)");
    return tok;
}

bool loopback(std::string const& host)
{
    return host == "localhost" || host == "::1" || host.starts_with("127.");
}

} // namespace

std::vector<option_spec> const& serve_options()
{
    static std::vector<option_spec> const options = [] {
        std::vector<option_spec> o;
        o.push_back({"server.listen", "listen", "HOST:PORT to listen on (port 0 picks a free one)",
                     [](server_config& c, std::string const& v) { std::tie(c.listen_host, c.listen_port) = split_listen(v); },
                     [](server_config const& c) { return c.listen_host + ":" + std::to_string(c.listen_port); }});
        o.push_back({"server.db", "db", "SQLite database file (created if missing)",
                     [](server_config& c, std::string const& v) { c.db_path = v; },
                     [](server_config const& c) { return c.db_path; }});
        o.push_back({"server.reference", "reference", "reference data directory (default: the bundled 2024 data)",
                     [](server_config& c, std::string const& v) { c.reference_dir = v; },
                     [](server_config const& c) { return c.reference_dir.value_or(""); }});
        o.push_back(size_option("server.threads", "threads", "network threads", &server_config::threads, 1));
        auto boolean = [](std::string const& v) {
            if (v == "true" || v == "1")
                return true;
            if (v == "false" || v == "0")
                return false;
            throw std::invalid_argument("must be true or false");
        };
        o.push_back({"election.open", "open-election",
                     "no reference data: take constituencies, parties and baselines from the PA feed itself",
                     [boolean](server_config& c, std::string const& v) { c.open_election = boolean(v); },
                     [](server_config const& c) { return c.open_election ? "true" : "false"; }, true});
        o.push_back({"election.rehearsal", "rehearsal", "a rehearsal: take PA Test_ data, which a live election refuses",
                     [boolean](server_config& c, std::string const& v) { c.rehearsal = boolean(v); },
                     [](server_config const& c) { return c.rehearsal ? "true" : "false"; }, true});
        o.push_back({"server.log_level", "log-level", "trace, debug, info, warn, error or off",
                     [](server_config& c, std::string const& v) {
                         static constexpr char const* levels[] = {"trace", "debug", "info", "warn", "error", "off"};
                         if (std::find(std::begin(levels), std::end(levels), v) == std::end(levels))
                             throw std::invalid_argument("must be trace, debug, info, warn, error or off");
                         c.log_level = v;
                     },
                     [](server_config const& c) { return c.log_level; }});
        o.push_back({"server.log_format", "log-format", "text, or json for one JSON object per line",
                     [](server_config& c, std::string const& v) {
                         if (v != "text" && v != "json")
                             throw std::invalid_argument("must be text or json");
                         c.log_format = v;
                     },
                     [](server_config const& c) { return c.log_format; }});
        o.push_back(size_option("limits.max_body", "max-body", "largest request body, bytes", &server_config::max_body_bytes, 1024));
        o.push_back(size_option("limits.max_header", "max-header", "largest request header, bytes", &server_config::max_header_bytes, 1024));
        o.push_back(size_option("limits.max_connections", "max-connections", "open HTTP connections at most",
                                &server_config::max_connections, 1));
        o.push_back(size_option("limits.max_connections_per_address", "max-connections-per-address",
                                "open HTTP connections from one address at most", &server_config::max_connections_per_address, 1));
        o.push_back(seconds_option("limits.read_timeout", "read-timeout", "seconds a request may take to arrive", &server_config::read_timeout));
        o.push_back(seconds_option("limits.idle_timeout", "idle-timeout", "seconds an idle keep-alive connection stays open", &server_config::idle_timeout));
        o.push_back(seconds_option("limits.drain_timeout", "drain-timeout", "seconds SIGTERM waits for in-flight work", &server_config::drain_timeout));
        o.push_back({"auth.admin_token", "admin-token",
                     "an admin bearer token given in plain text (prefer [[tokens]] with its sha256 in the file); "
                     "with no admin token, /v1/admin/... is off",
                     [](server_config& c, std::string const& v) { c.admin_token = v; },
                     [](server_config const& c) { return c.admin_token.empty() ? "" : "(set)"; }});
        o.push_back({"auth.open_reads", "open-reads", "reads need no token even when [[tokens]] are configured",
                     [boolean](server_config& c, std::string const& v) { c.open_reads = boolean(v); },
                     [](server_config const& c) { return c.open_reads ? "true" : "false"; }, true});
        o.push_back({"tls.cert", "tls-cert", "PEM certificate chain; with tls.key the listener speaks HTTPS and WSS only",
                     [](server_config& c, std::string const& v) { c.tls_cert = v; },
                     [](server_config const& c) { return c.tls_cert; }});
        o.push_back({"tls.key", "tls-key", "PEM private key for tls.cert",
                     [](server_config& c, std::string const& v) { c.tls_key = v; },
                     [](server_config const& c) { return c.tls_key; }});
        o.push_back(size_option("stream.max_subscribers", "max-subscribers", "WebSocket and SSE subscribers at most",
                                &server_config::max_subscribers, 1));
        o.push_back(size_option("stream.max_subscribers_per_address", "max-subscribers-per-address",
                                "subscribers from one address at most", &server_config::max_subscribers_per_address, 1));
        o.push_back(size_option("stream.max_queue", "max-queue", "messages waiting for one subscriber before it is closed as too slow",
                                &server_config::max_queue, 16));
        o.push_back(size_option("stream.max_message", "max-ws-message", "largest message a WebSocket client may send, bytes",
                                &server_config::max_ws_message, 256));
        o.push_back(seconds_option("stream.heartbeat", "heartbeat", "seconds between heartbeat messages to subscribers", &server_config::heartbeat));
        o.push_back(seconds_option("stream.ws_idle_timeout", "ws-idle-timeout",
                                   "seconds of WebSocket silence before a ping, then a close", &server_config::ws_idle_timeout));
        return o;
    }();
    return options;
}

std::string environment_name(option_spec const& o)
{
    std::string out = "ELECTD_";
    for (char c : o.cli)
        out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

void apply_config_file(std::string const& path, server_config& cfg)
{
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (toml::parse_error const& e) {
        auto const& src = e.source();
        throw config_error(path + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) + ": "
                           + std::string(e.description()));
    }
    for (auto const& [section, node] : root) {
        std::string name(section.str());
        if (name == "webhooks") {
            auto const* arr = node.as_array();
            if (!arr)
                throw config_error(where(path, node) + ": webhooks must be written as [[webhooks]] tables");
            for (auto const& w : *arr) {
                if (!w.as_table())
                    throw config_error(where(path, w) + ": webhooks must be written as [[webhooks]] tables");
                cfg.webhooks.push_back(read_webhook(*w.as_table(), path));
            }
            continue;
        }
        if (name == "tokens") {
            auto const* arr = node.as_array();
            if (!arr)
                throw config_error(where(path, node) + ": tokens must be written as [[tokens]] tables");
            for (auto const& t : *arr) {
                if (!t.as_table())
                    throw config_error(where(path, t) + ": tokens must be written as [[tokens]] tables");
                cfg.tokens.push_back(read_token(*t.as_table(), path));
            }
            continue;
        }
        if (name == "feeds") {
            auto const* arr = node.as_array();
            if (!arr)
                throw config_error(where(path, node) + ": feeds must be written as [[feeds]] tables");
            for (auto const& f : *arr) {
                if (!f.as_table())
                    throw config_error(where(path, f) + ": feeds must be written as [[feeds]] tables");
                cfg.feeds.push_back(read_feed(*f.as_table(), path));
            }
            continue;
        }
        auto const* table = node.as_table();
        if (!table)
            throw config_error(where(path, node) + ": '" + name + "' must be a section ([" + name + "])");
        for (auto const& [k, v] : *table) {
            auto key = name + "." + std::string(k.str());
            auto const& options = serve_options();
            auto it = std::find_if(options.begin(), options.end(), [&](option_spec const& o) { return o.key == key; });
            if (it == options.end())
                throw config_error(where(path, v) + ": unknown setting '" + key + "' (see electd serve --help)");
            try {
                it->set(cfg, node_text(v));
            } catch (std::invalid_argument const& e) {
                throw config_error(where(path, v) + ": " + key + " " + e.what());
            }
        }
    }
    std::set<std::string> names;
    for (auto const& w : cfg.webhooks)
        if (!names.insert(w.name).second)
            throw config_error(path + ": two webhooks are named '" + w.name + "'");
    names.clear();
    for (auto const& t : cfg.tokens)
        if (!names.insert(t.name).second)
            throw config_error(path + ": two tokens are named '" + t.name + "'");
    names.clear();
    for (auto const& f : cfg.feeds)
        if (!names.insert(f.name).second)
            throw config_error(path + ": two feeds are named '" + f.name + "'");
}

void apply_environment(server_config& cfg)
{
    for (auto const& o : serve_options()) {
        auto name = environment_name(o);
        if (auto const* v = std::getenv(name.c_str())) {
            try {
                o.set(cfg, v);
            } catch (std::invalid_argument const& e) {
                throw config_error(name + ": " + e.what());
            }
        }
    }
}

void validate(server_config const& cfg)
{
    bool guarded = std::any_of(cfg.tokens.begin(), cfg.tokens.end(), [](token_config const& t) { return t.grants != role::admin; });
    if (!loopback(cfg.listen_host) && !guarded)
        throw config_error("refusing to listen on " + cfg.listen_host
                           + ": with no read or ingest tokens anyone who can reach it could post results. Add "
                             "[[tokens]] (name, role, sha256) to the configuration, or listen on 127.0.0.1");
    if (cfg.tls_cert.empty() != cfg.tls_key.empty())
        throw config_error("TLS needs both tls.cert and tls.key");
}

std::string describe(server_config const& cfg)
{
    std::ostringstream out;
    // Each table once (valid TOML to paste back), tables in the order their first option comes.
    std::vector<std::string> sections;
    for (auto const& o : serve_options())
        if (auto s = o.key.substr(0, o.key.find('.')); std::find(sections.begin(), sections.end(), s) == sections.end())
            sections.push_back(s);
    for (auto const& section : sections) {
        out << (section == sections.front() ? "" : "\n") << "[" << section << "]\n";
        for (auto const& o : serve_options()) {
            auto dot = o.key.find('.');
            if (o.key.substr(0, dot) != section)
                continue;
            auto value = o.show(cfg);
            bool number = (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos) || o.flag;
            out << o.key.substr(dot + 1) << " = " << (number ? value : "\"" + value + "\"") << "\n";
        }
    }
    for (auto const& t : cfg.tokens)
        out << "\n[[tokens]]\nname = \"" << t.name << "\"\nrole = \"" << to_string(t.grants) << "\"\nsha256 = \"" << t.sha256
            << "\"\nrate = " << t.rate << "\n";
    for (auto const& w : cfg.webhooks) {
        out << "\n[[webhooks]]\nname = \"" << w.name << "\"\nurl = \"" << w.url << "\"\nsecret = \"(set)\"\n";
        out << "max_attempts = " << w.max_attempts << "\n";
    }
    for (auto const& f : cfg.feeds) {
        out << "\n[[feeds]]\ntype = \"" << f.type << "\"\nname = \"" << f.name << "\"\n";
        if (f.type == "drop")
            out << "path = \"" << f.path << "\"\nsettle_ms = " << f.settle.count() << "\n";
        else
            out << "url = \"" << f.url << "\"\n";
        if (f.type == "poll")
            out << "interval_ms = " << f.interval.count() << "\nstall_after_s = " << f.stall_after.count() << "\n";
    }
    return out.str();
}

} // namespace electd::daemon
