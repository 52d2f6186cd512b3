#include "feeds/drop_folder.hpp"

#include "support/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <sys/inotify.h>
#include <unistd.h>

namespace electd::feeds {
namespace asio = boost::asio;
namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr std::uint32_t watch_mask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE
                                     | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;

// A writer that holds a file open without writing for this long is taken to be done (a hard
// link, say, brings IN_CREATE and no close).
constexpr std::chrono::seconds writer_quiet{30};

bool hidden(std::string_view name)
{
    return name.empty() || name.front() == '.';
}

std::string join(std::string const& dir, std::string_view name)
{
    return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

} // namespace

bool drop_folder::ignored(std::string_view name)
{
    auto slash = name.rfind('/');
    if (slash != std::string_view::npos)
        name = name.substr(slash + 1);
    return hidden(name) || name.ends_with(".tmp") || name.ends_with(".part") || content_type_for(name).empty();
}

struct drop_folder::impl {
    impl(asio::any_io_executor ex, drop_folder_config c, std::map<std::string, std::string> done, submit_fn fn)
        : strand(asio::make_strand(ex)), cfg(std::move(c)), submit(std::move(fn)), processed(std::move(done)),
          settle_timer(strand), retry_timer(strand), retry(cfg.retry, cfg.max_retry)
    {
    }

    // A file seen but not yet taken: it must stay unchanged until `due`.
    struct candidate {
        bool writing = false; // a writer has it open (created or modified, not yet closed)
        steady::time_point due;
        std::uintmax_t size = 0;
        fs::file_time_type mtime;
        std::uint64_t arrival = 0;
    };

    asio::strand<asio::any_io_executor> strand;
    drop_folder_config cfg;
    submit_fn submit;
    std::map<std::string, std::string> processed; // relative name -> "SIZE:SHA256"
    status_board board;
    std::optional<asio::posix::stream_descriptor> inotify;
    int root_wd = -1;
    std::map<int, std::string> dirs; // watch descriptor -> relative directory ("" is the root)
    std::map<std::string, candidate> pending;
    std::deque<std::string> ready; // settled, in arrival order, waiting for ingest
    std::uint64_t arrivals = 0;
    bool processing = false;
    bool root_gone = false;
    bool stopped = false;
    asio::steady_timer settle_timer;
    asio::steady_timer retry_timer;
    backoff retry;

    std::shared_ptr<spdlog::logger> log = module_logger("feeds");

    static asio::awaitable<void> run(std::shared_ptr<impl> self);
    static asio::awaitable<void> settle(std::shared_ptr<impl> self);
    static asio::awaitable<void> drain(std::shared_ptr<impl> self);
    asio::awaitable<bool> process(std::string const& rel);

    bool open();
    void close();
    void watch_tree(std::string const& rel, std::vector<std::string>& files);
    void unwatch_tree(std::string const& rel);
    void handle_all(char const* data, std::size_t n); // a batch of inotify events
    void handle(inotify_event const& ev, std::string_view name);
    void note(std::string const& rel, bool writing, steady::duration wait);
    void rescan();
    void check_due();
    void reschedule();
    void spawn_drain(std::shared_ptr<impl> const& self);
};

drop_folder::drop_folder(asio::any_io_executor ex, drop_folder_config cfg, std::map<std::string, std::string> processed,
                         submit_fn submit)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(cfg), std::move(processed), std::move(submit)))
{
}

drop_folder::~drop_folder()
{
    stop();
}

void drop_folder::start()
{
    impl_->board.update([](feed_status& s) { s.started_ms = unix_ms_now(); });
    auto report = report_stop("drop folder '" + impl_->cfg.name + "'");
    asio::co_spawn(impl_->strand, impl::run(impl_), report);
    asio::co_spawn(impl_->strand, impl::settle(impl_), report);
}

void drop_folder::stop()
{
    asio::post(impl_->strand, [self = impl_] {
        if (std::exchange(self->stopped, true))
            return;
        boost::system::error_code ec;
        if (self->inotify)
            self->inotify->close(ec); // the pending read ends; run() lets go of the descriptor
        self->settle_timer.cancel();
        self->retry_timer.cancel();
    });
}

feed_status drop_folder::status() const
{
    return impl_->board.get();
}

bool drop_folder::impl::open()
{
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        board.error("inotify", std::string("inotify_init1: ") + std::strerror(errno));
        return false;
    }
    inotify.emplace(strand, fd);
    root_wd = ::inotify_add_watch(fd, cfg.path.c_str(), watch_mask);
    if (root_wd < 0) {
        board.error("folder", "cannot watch " + cfg.path.string() + ": " + std::strerror(errno));
        close();
        return false;
    }
    dirs[root_wd] = "";
    root_gone = false;
    return true;
}

void drop_folder::impl::close()
{
    boost::system::error_code ec;
    if (inotify)
        inotify->close(ec);
    inotify.reset();
    dirs.clear();
    root_wd = -1;
}

void drop_folder::impl::watch_tree(std::string const& rel, std::vector<std::string>& files)
{
    std::error_code ec;
    for (auto it = fs::directory_iterator(cfg.path / rel, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        auto name = it->path().filename().string();
        auto child = join(rel, name);
        std::error_code sec;
        if (it->is_directory(sec)) {
            if (hidden(name))
                continue;
            // Watch before listing, so a file arriving in between is seen one way or the other.
            int wd = ::inotify_add_watch(inotify->native_handle(), (cfg.path / child).c_str(), watch_mask);
            if (wd >= 0)
                dirs[wd] = child;
            watch_tree(child, files);
        } else if (it->is_regular_file(sec) && !drop_folder::ignored(name)) {
            files.push_back(child);
        }
    }
}

void drop_folder::impl::unwatch_tree(std::string const& rel)
{
    auto inside = [&](std::string const& d) { return d == rel || d.starts_with(rel + "/"); };
    for (auto it = dirs.begin(); it != dirs.end();) {
        if (it->first != root_wd && inside(it->second)) {
            ::inotify_rm_watch(inotify->native_handle(), it->first);
            it = dirs.erase(it);
        } else {
            ++it;
        }
    }
    std::erase_if(pending, [&](auto const& p) { return p.first.starts_with(rel + "/"); });
}

void drop_folder::impl::note(std::string const& rel, bool writing, steady::duration wait)
{
    auto [it, added] = pending.try_emplace(rel);
    auto& c = it->second;
    if (added)
        c.arrival = ++arrivals;
    c.writing = writing;
    c.due = steady::now() + wait;
    std::error_code ec;
    c.size = fs::file_size(cfg.path / rel, ec);
    c.mtime = fs::last_write_time(cfg.path / rel, ec);
}

void drop_folder::impl::rescan()
{
    // On start and after a lost event: every file not known to be processed settles, then goes
    // in name order (the processor skips those whose content was processed before).
    std::vector<std::string> files;
    watch_tree("", files);
    std::sort(files.begin(), files.end(), [](auto const& a, auto const& b) { return natural_less(a, b); });
    for (auto const& f : files)
        if (!pending.count(f))
            note(f, false, cfg.settle);
}

void drop_folder::impl::handle(inotify_event const& ev, std::string_view name)
{
    if (ev.mask & IN_Q_OVERFLOW) {
        // Events were lost: look at everything again (watching a folder twice keeps its descriptor).
        log->warn("drop folder '{}': inotify queue overflowed; rescanning", cfg.name);
        rescan();
        return;
    }
    if ((ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) && ev.wd == root_wd) {
        root_gone = true;
        return;
    }
    if (ev.mask & IN_IGNORED) {
        if (ev.wd == root_wd)
            root_gone = true;
        dirs.erase(ev.wd);
        return;
    }
    auto dir = dirs.find(ev.wd);
    if (dir == dirs.end() || name.empty())
        return;
    auto rel = join(dir->second, name);
    if (ev.mask & IN_ISDIR) {
        if (hidden(name))
            return;
        if (ev.mask & (IN_CREATE | IN_MOVED_TO)) {
            int wd = ::inotify_add_watch(inotify->native_handle(), (cfg.path / rel).c_str(), watch_mask);
            if (wd >= 0)
                dirs[wd] = rel;
            std::vector<std::string> files;
            watch_tree(rel, files);
            std::sort(files.begin(), files.end(), [](auto const& a, auto const& b) { return natural_less(a, b); });
            for (auto const& f : files)
                note(f, false, cfg.settle);
        } else if (ev.mask & IN_MOVED_FROM) {
            unwatch_tree(rel);
        }
        return;
    }
    if (drop_folder::ignored(name))
        return;
    if (ev.mask & (IN_DELETE | IN_MOVED_FROM)) {
        pending.erase(rel);
    } else if (ev.mask & IN_MOVED_TO) {
        note(rel, false, steady::duration::zero()); // renamed into place: complete by convention
    } else if (ev.mask & IN_CLOSE_WRITE) {
        note(rel, false, cfg.settle);
    } else if (ev.mask & (IN_CREATE | IN_MODIFY)) {
        auto it = pending.find(rel);
        if (it == pending.end() || !it->second.writing)
            note(rel, true, writer_quiet);
        else
            it->second.due = steady::now() + writer_quiet; // still being written
    }
}

void drop_folder::impl::handle_all(char const* data, std::size_t n)
{
    for (std::size_t off = 0; off + sizeof(inotify_event) <= n;) {
        inotify_event ev;
        std::memcpy(&ev, data + off, sizeof ev);
        std::string_view name(data + off + sizeof ev, std::min<std::size_t>(ev.len, n - off - sizeof ev));
        name = name.substr(0, name.find('\0'));
        handle(ev, name);
        off += sizeof ev + ev.len;
    }
    reschedule();
}

void drop_folder::impl::reschedule()
{
    auto next = steady::time_point::max();
    for (auto const& [rel, c] : pending)
        next = std::min(next, c.due);
    settle_timer.expires_at(next);
}

void drop_folder::impl::check_due()
{
    auto now = steady::now();
    std::vector<std::pair<std::uint64_t, std::string>> due;
    for (auto it = pending.begin(); it != pending.end();) {
        auto& c = it->second;
        if (c.due > now) {
            ++it;
            continue;
        }
        std::error_code ec1, ec2;
        auto size = fs::file_size(cfg.path / it->first, ec1);
        auto mtime = fs::last_write_time(cfg.path / it->first, ec2);
        if (ec1 || ec2) { // gone meanwhile
            it = pending.erase(it);
            continue;
        }
        if (size != c.size || mtime != c.mtime) { // still changing: settle again
            c.size = size;
            c.mtime = mtime;
            c.due = now + cfg.settle;
            ++it;
            continue;
        }
        due.emplace_back(c.arrival, it->first);
        it = pending.erase(it);
    }
    std::sort(due.begin(), due.end());
    for (auto& [arrival, rel] : due)
        ready.push_back(std::move(rel));
    reschedule();
}

void drop_folder::impl::spawn_drain(std::shared_ptr<impl> const& self)
{
    if (processing || ready.empty() || stopped)
        return;
    processing = true;
    asio::co_spawn(strand, drain(self), [self](std::exception_ptr ex) { // runs on the strand
        if (!ex)
            return;
        self->processing = false;
        try {
            std::rethrow_exception(ex);
        } catch (std::exception const& e) {
            self->log->error("drop folder '{}': {}", self->cfg.name, e.what());
        }
    });
}

asio::awaitable<void> drop_folder::impl::run(std::shared_ptr<impl> self)
{
    auto& log = self->log;
    std::vector<char> buffer(64 * 1024);
    while (!self->stopped) {
        if (!self->open()) {
            auto wait = self->retry.next();
            auto why = self->board.get().last_error;
            if (self->retry.attempts() == 1) // the first time is news; the retries that follow, less so
                log->warn("drop folder '{}': {}; trying again in {} ms", self->cfg.name, why, wait.count());
            else
                log->debug("drop folder '{}': {}; trying again in {} ms", self->cfg.name, why, wait.count());
            self->board.update([&](feed_status& s) {
                s.connected = false;
                s.next_attempt_ms = unix_ms_now() + wait.count();
            });
            self->retry_timer.expires_after(wait);
            co_await self->retry_timer.async_wait(use_tuple);
            continue;
        }
        self->retry.reset();
        self->board.update([](feed_status& s) {
            s.connected = true;
            s.next_attempt_ms = 0;
        });
        log->info("drop folder '{}': watching {}", self->cfg.name, self->cfg.path.string());
        self->rescan();
        self->reschedule();
        while (!self->stopped && !self->root_gone) {
            // The next batch of inotify events.
            auto [ec, n] = co_await self->inotify->async_read_some(asio::buffer(buffer), use_tuple);
            if (ec) {
                if (!self->stopped)
                    self->board.error("inotify", "reading inotify events: " + ec.message());
                break;
            }
            self->handle_all(buffer.data(), n);
        }
        if (self->stopped)
            break;
        self->board.error("folder", "the drop folder " + self->cfg.path.string() + " was removed or moved");
        log->warn("drop folder '{}': {} was removed or moved", self->cfg.name, self->cfg.path.string());
        self->board.update([](feed_status& s) { s.connected = false; });
        self->close();
        self->pending.clear();
    }
    self->close();
    self->board.update([](feed_status& s) { s.connected = false; });
}

asio::awaitable<void> drop_folder::impl::settle(std::shared_ptr<impl> self)
{
    while (!self->stopped) {
        // Until the earliest candidate is due (rescheduling cancels the wait, and we look again).
        co_await self->settle_timer.async_wait(use_tuple);
        if (self->stopped)
            break;
        self->check_due();
        self->spawn_drain(self);
    }
}

asio::awaitable<void> drop_folder::impl::drain(std::shared_ptr<impl> self)
{
    while (!self->stopped && !self->ready.empty()) {
        auto rel = self->ready.front();
        if (co_await self->process(rel)) {
            self->ready.pop_front();
            continue;
        }
        // Storage is failing: this file again after a pause, and the rest behind it.
        auto wait = self->retry.next();
        self->board.update([&](feed_status& s) { s.next_attempt_ms = unix_ms_now() + wait.count(); });
        self->retry_timer.expires_after(wait);
        co_await self->retry_timer.async_wait(use_tuple);
    }
    // Cleared with no suspension after the last look at `ready`, so nothing is left behind.
    self->processing = false;
}

asio::awaitable<bool> drop_folder::impl::process(std::string const& rel)
{
    auto full = cfg.path / rel;
    std::error_code ec;
    auto size = fs::file_size(full, ec);
    if (ec)
        co_return true; // gone before its turn
    if (size > cfg.max_file_bytes) {
        board.error("too_large", rel + " is " + std::to_string(size) + " bytes, more than the "
                                     + std::to_string(cfg.max_file_bytes) + " a message may have; skipped");
        log->warn("drop folder '{}': {} is too large ({} bytes); skipped", cfg.name, rel, size);
        co_return true;
    }
    std::string body;
    {
        std::ifstream in(full, std::ios::binary);
        if (!in)
            co_return true;
        std::ostringstream s;
        s << in.rdbuf();
        body = std::move(s).str();
    }
    auto value = std::to_string(body.size()) + ":" + sha256_hex(body);
    if (auto it = processed.find(rel); it != processed.end() && it->second == value) {
        board.update([](feed_status& s) { ++s.skipped; });
        co_return true; // this very content was processed before
    }
    feed_message m{std::move(body), content_type_for(rel), rel, feed_mark{rel, value}};
    auto r = co_await submit(std::move(m));
    if (r.retry) {
        board.error("storage", rel + ": " + r.summary);
        log->warn("drop folder '{}': {} not stored ({}); will try again", cfg.name, rel, r.summary);
        co_return false;
    }
    retry.reset();
    processed[rel] = value;
    board.update([&](feed_status& s) {
        ++s.messages;
        s.last_message_ms = unix_ms_now();
        s.cursor = rel;
        s.next_attempt_ms = 0;
    });
    log->info("drop folder '{}': {}: {} ({})", cfg.name, rel, r.result, r.summary);
    co_return true;
}

} // namespace electd::feeds
