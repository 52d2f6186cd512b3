#include "feeds/poller.hpp"

#include "feeds/http_fetch.hpp"
#include "support/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

namespace electd::feeds {
namespace asio = boost::asio;
namespace json = boost::json;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::string lower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string media_type(std::string_view content_type)
{
    auto m = lower(content_type.substr(0, content_type.find(';')));
    while (!m.empty() && m.back() == ' ')
        m.pop_back();
    return m;
}

std::string percent_decode(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned v = 0;
        if (s[i] == '%' && i + 2 < s.size() && std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ptr == s.data() + i + 3) {
            out += static_cast<char>(v);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to)
{
    for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
        s.replace(p, from.size(), to);
    return s;
}

// What kind of failure a fetch error was, for the error counts.
std::string error_kind(std::string const& error)
{
    if (error.starts_with("no answer"))
        return "timeout";
    if (error.starts_with("cannot connect") || error.starts_with("cannot resolve"))
        return "connect";
    if (error.starts_with("TLS"))
        return "tls";
    return "network";
}

std::chrono::milliseconds retry_after(fetch_response const& r)
{
    auto v = r.header("Retry-After");
    int seconds = 0;
    if (v && std::from_chars(v->data(), v->data() + v->size(), seconds).ec == std::errc() && seconds > 0)
        return std::chrono::seconds(std::min(seconds, 3600));
    return std::chrono::milliseconds(0);
}

} // namespace

std::vector<std::string> listing_links(std::string_view body, bool html)
{
    std::vector<std::string> out;
    if (!html) {
        std::size_t i = 0;
        while (i < body.size()) {
            while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i])))
                ++i;
            auto start = i;
            while (i < body.size() && !std::isspace(static_cast<unsigned char>(body[i])))
                ++i;
            if (i > start)
                out.emplace_back(body.substr(start, i - start));
        }
        return out;
    }
    auto text = lower(body); // for finding "href" in any case; offsets are the same
    for (auto p = text.find("href"); p != std::string::npos; p = text.find("href", p + 4)) {
        auto i = p + 4;
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
            ++i;
        if (i >= text.size() || text[i] != '=')
            continue;
        ++i;
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
            ++i;
        if (i >= text.size())
            break;
        std::size_t end;
        if (text[i] == '"' || text[i] == '\'') {
            end = text.find(text[i], i + 1);
            if (end == std::string::npos)
                break;
            ++i;
        } else {
            end = i;
            while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '>')
                ++end;
        }
        out.push_back(replace_all(std::string(body.substr(i, end - i)), "&amp;", "&"));
    }
    return out;
}

struct poller::impl {
    impl(asio::any_io_executor ex, poller_config c, std::map<std::string, std::string> const& state, submit_fn fn)
        : strand(asio::make_strand(ex)), cfg(std::move(c)), submit(std::move(fn)),
          fetcher(strand, cfg.url, cfg.ca_file, cfg.timeout), timer(strand), back(cfg.interval, cfg.max_backoff)
    {
        auto path = fetcher.path().substr(0, fetcher.path().find('?'));
        base_dir = path.substr(0, path.rfind('/') + 1);
        url_file_name = percent_decode(path.substr(path.rfind('/') + 1));
        for (auto const& [k, v] : state) {
            if (k.starts_with("file:")) {
                files.insert(k.substr(5));
            } else if (k == "document") {
                boost::system::error_code ec;
                auto d = json::parse(v, ec);
                if (ec || !d.is_object())
                    continue;
                auto text = [&](char const* key) {
                    auto const* s = d.as_object().if_contains(key);
                    return s && s->is_string() ? std::string(s->as_string()) : std::string();
                };
                doc = {text("etag"), text("last_modified"), text("sha256")};
                cursor_of_document();
            }
        }
    }

    struct validators {
        std::string etag, last_modified, sha256;
    };
    enum class step { ok, failed };

    asio::strand<asio::any_io_executor> strand;
    poller_config cfg;
    submit_fn submit;
    http_fetcher fetcher;
    asio::steady_timer timer;
    backoff back;
    status_board board;
    std::string base_dir;      // the URL's folder, for the links of a listing
    std::string url_file_name; // the URL's last segment, the name of a single document
    validators doc;            // the single document last processed
    validators listing;        // the listing last read whole (in memory only)
    bool is_listing = false;
    std::set<std::string> files; // a listing's files already processed
    std::int64_t last_new_ms = 0;
    bool stalled = false;
    bool stopped = false;
    std::chrono::milliseconds wait_at_least{0}; // a server's Retry-After
    std::shared_ptr<spdlog::logger> log = module_logger("feeds");

    static asio::awaitable<void> run(std::shared_ptr<impl> self);
    asio::awaitable<step> poll();
    asio::awaitable<step> take_document(fetch_response& r, std::string content_type);
    asio::awaitable<step> take_listing(fetch_response& r, bool html);
    step failed(std::string const& kind, std::string const& message);
    std::optional<std::pair<std::string, std::string>> resolve(std::string_view href) const;
    void note_new(std::string cursor);
    void cursor_of_document();
    void check_stall();
};

poller::poller(asio::any_io_executor ex, poller_config cfg, std::map<std::string, std::string> state, submit_fn submit)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(cfg), state, std::move(submit)))
{
}

poller::~poller()
{
    stop();
}

void poller::start()
{
    asio::co_spawn(impl_->strand, impl::run(impl_), report_stop("poller '" + impl_->cfg.name + "'"));
}

void poller::stop()
{
    asio::post(impl_->strand, [self = impl_] {
        self->stopped = true;
        self->timer.cancel(); // a request in flight ends by its timeout at the latest
    });
}

feed_status poller::status() const
{
    return impl_->board.get();
}

void poller::impl::cursor_of_document()
{
    auto c = !doc.etag.empty() ? doc.etag : !doc.last_modified.empty() ? doc.last_modified : "sha256:" + doc.sha256;
    board.update([&](feed_status& s) { s.cursor = c; });
}

void poller::impl::note_new(std::string cursor)
{
    last_new_ms = unix_ms_now();
    board.update([&](feed_status& s) {
        ++s.messages;
        s.last_message_ms = last_new_ms;
        s.cursor = std::move(cursor);
    });
}

void poller::impl::check_stall()
{
    bool now_stalled = cfg.stall_after.count() > 0 && unix_ms_now() - last_new_ms >= cfg.stall_after.count() * 1000;
    if (now_stalled && !stalled)
        log->warn("poller '{}': stalled, nothing new from {} for {} s", cfg.name, cfg.url, cfg.stall_after.count());
    else if (!now_stalled && stalled)
        log->info("poller '{}': flowing again", cfg.name);
    if (now_stalled != stalled && cfg.on_stall)
        cfg.on_stall(now_stalled);
    stalled = now_stalled;
    board.update([&](feed_status& s) { s.stalled = now_stalled; });
}

poller::impl::step poller::impl::failed(std::string const& kind, std::string const& message)
{
    board.error(kind, message);
    // The first failure after a success is worth a warning; the ones that follow, less so.
    if (back.attempts() == 0)
        log->warn("poller '{}': {}; backing off", cfg.name, message);
    else
        log->debug("poller '{}': {} (attempt {})", cfg.name, message, back.attempts() + 1);
    return step::failed;
}

std::optional<std::pair<std::string, std::string>> poller::impl::resolve(std::string_view href) const
{
    href = href.substr(0, href.find('#'));
    if (href.empty() || href.find('?') != std::string_view::npos)
        return std::nullopt; // a listing's sort links, and pages
    std::string path;
    if (href.starts_with("http://") || href.starts_with("https://")) {
        std::string copy(href);
        auto u = boost::urls::parse_uri(copy);
        if (!u || u->host() != fetcher.host())
            return std::nullopt; // another server: not this feed's
        path = std::string(u->encoded_path());
    } else if (href.starts_with("//")) {
        return std::nullopt;
    } else if (href.starts_with("/")) {
        path = std::string(href);
    } else {
        if (href.starts_with("./"))
            href.remove_prefix(2);
        path = base_dir + std::string(href);
    }
    if (path.ends_with("/") || path.find("/../") != std::string::npos || path.find("/./") != std::string::npos)
        return std::nullopt; // a folder, or one out of this one
    auto name = percent_decode(path.substr(path.rfind('/') + 1));
    if (name.empty() || name.front() == '.' || content_type_for(name).empty() || name.find('/') != std::string::npos)
        return std::nullopt;
    return std::make_pair(std::move(name), std::move(path));
}

asio::awaitable<void> poller::impl::run(std::shared_ptr<impl> self)
{
    self->last_new_ms = unix_ms_now();
    self->board.update([&](feed_status& s) { s.started_ms = self->last_new_ms; });
    self->log->info("poller '{}': polling {} every {} ms", self->cfg.name, self->cfg.url, self->cfg.interval.count());
    while (!self->stopped) {
        self->wait_at_least = std::chrono::milliseconds(0);
        auto result = co_await self->poll();
        if (self->stopped)
            break;
        self->check_stall();
        auto wait = self->cfg.interval;
        if (result == step::ok) {
            self->back.reset();
        } else {
            wait = std::max(self->back.next(), self->wait_at_least);
        }
        self->board.update([&](feed_status& s) { s.next_attempt_ms = result == step::ok ? 0 : unix_ms_now() + wait.count(); });
        // Until the next poll.
        self->timer.expires_after(wait);
        co_await self->timer.async_wait(use_tuple);
    }
    self->board.update([](feed_status& s) { s.connected = false; });
}

asio::awaitable<poller::impl::step> poller::impl::poll()
{
    // Ask only for what changed since the content we already have.
    fetch_request req;
    auto const& v = is_listing ? listing : doc;
    if (!v.etag.empty())
        req.headers.emplace_back("If-None-Match", v.etag);
    if (!v.last_modified.empty())
        req.headers.emplace_back("If-Modified-Since", v.last_modified);
    req.headers.emplace_back("Accept", "application/json, application/xml, text/xml, text/html, text/plain;q=0.5");
    auto r = co_await fetcher.fetch(std::move(req));
    if (stopped)
        co_return step::ok;
    if (!r.response) {
        board.update([](feed_status& s) { s.connected = false; });
        co_return failed(error_kind(r.error), r.error);
    }
    board.update([](feed_status& s) { s.connected = true; });
    auto& res = *r.response;
    auto status_text = "HTTP " + std::to_string(res.status) + " from " + cfg.url;
    if (res.status == 304)
        co_return step::ok;
    if (res.status >= 500 || res.status == 429) {
        wait_at_least = retry_after(res);
        co_return failed(res.status >= 500 ? "http_5xx" : "http_4xx", status_text);
    }
    if (res.status < 200 || res.status >= 300) {
        board.error(res.status >= 400 ? "http_4xx" : "http_other", status_text);
        log->warn("poller '{}': {}", cfg.name, status_text);
        co_return step::ok;
    }
    auto media = media_type(res.header("Content-Type").value_or(""));
    if (media == "application/json" || media == "application/xml" || media == "text/xml")
        co_return co_await take_document(res, media);
    if (media == "text/html" || media == "text/plain")
        co_return co_await take_listing(res, media == "text/html");
    if (auto by_name = content_type_for(url_file_name); !by_name.empty())
        co_return co_await take_document(res, by_name);
    board.error("unsupported", cfg.url + " answered with Content-Type '" + media
                                   + "': neither a document (JSON, XML) nor a listing (HTML, text)");
    log->warn("poller '{}': unsupported Content-Type '{}'", cfg.name, media);
    co_return step::ok;
}

asio::awaitable<poller::impl::step> poller::impl::take_document(fetch_response& res, std::string content_type)
{
    is_listing = false;
    validators now{res.header("ETag").value_or(""), res.header("Last-Modified").value_or(""), sha256_hex(res.body)};
    if (now.sha256 == doc.sha256) { // the same content again (a server that ignores If-None-Match)
        doc = std::move(now);
        board.update([](feed_status& s) { ++s.skipped; });
        co_return step::ok;
    }
    std::string value;
    {
        json::object o{{"etag", now.etag}, {"last_modified", now.last_modified}, {"sha256", now.sha256}};
        value = json::serialize(o);
    }
    feed_message m{std::move(res.body), std::move(content_type),
                   url_file_name.empty() ? std::nullopt : std::optional<std::string>(url_file_name),
                   feed_mark{"document", std::move(value)}};
    auto r = co_await submit(std::move(m));
    if (r.retry)
        co_return failed("storage", r.summary);
    doc = std::move(now);
    note_new("");
    cursor_of_document();
    log->info("poller '{}': {} ({})", cfg.name, r.result, r.summary);
    co_return step::ok;
}

asio::awaitable<poller::impl::step> poller::impl::take_listing(fetch_response& res, bool html)
{
    is_listing = true;
    validators now{res.header("ETag").value_or(""), res.header("Last-Modified").value_or(""), {}};
    std::vector<std::pair<std::string, std::string>> todo; // name, path
    std::set<std::string> seen;
    for (auto const& href : listing_links(res.body, html))
        if (auto link = resolve(href); link && !files.count(link->first) && seen.insert(link->first).second)
            todo.push_back(std::move(*link));
    std::sort(todo.begin(), todo.end(), [](auto const& a, auto const& b) { return natural_less(a.first, b.first); });
    for (auto const& [name, path] : todo) {
        if (stopped)
            co_return step::ok;
        // Each new file once, in name order.
        fetch_request req;
        req.target = path;
        auto r = co_await fetcher.fetch(std::move(req));
        if (!r.response) {
            board.update([](feed_status& s) { s.connected = false; });
            co_return failed(error_kind(r.error), name + ": " + r.error);
        }
        auto& f = *r.response;
        if (f.status >= 500 || f.status == 429) {
            wait_at_least = retry_after(f);
            co_return failed(f.status >= 500 ? "http_5xx" : "http_4xx", "HTTP " + std::to_string(f.status) + " for " + path);
        }
        if (f.status < 200 || f.status >= 300) { // gone since the listing was made, say: skipped this time
            board.error(f.status >= 400 ? "http_4xx" : "http_other", "HTTP " + std::to_string(f.status) + " for " + path);
            log->warn("poller '{}': HTTP {} for {}", cfg.name, f.status, path);
            continue;
        }
        auto value = "sha256:" + sha256_hex(f.body);
        feed_message m{std::move(f.body), content_type_for(name), name, feed_mark{"file:" + name, value}};
        auto s = co_await submit(std::move(m));
        if (s.retry)
            co_return failed("storage", name + ": " + s.summary);
        files.insert(name);
        note_new(name);
        log->info("poller '{}': {}: {} ({})", cfg.name, name, s.result, s.summary);
    }
    listing = std::move(now); // read whole: from now on, only if it changes
    co_return step::ok;
}

} // namespace electd::feeds
