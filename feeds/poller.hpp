#pragma once
// The HTTP poller: GETs a URL every `interval` and hands what is new to ingest.
//
// The answer's Content-Type decides what the URL is:
// - application/json or application/xml (text/xml): one document, the latest state of a
//   message. It is handed on when its content changes; the mark {key "document", value
//   {"etag", "last_modified", "sha256"} as JSON} is committed with it, and its ETag and
//   Last-Modified go back as If-None-Match / If-Modified-Since (a 304 means nothing new).
//   Its file name for ingest is the URL's last path segment (a Test_ name is rehearsal data).
// - text/html or text/plain: a PA-style directory listing. Every link to a *.xml or *.json
//   file on the same server (dotfiles and subfolders aside) is fetched once, in natural name
//   order, with the mark {key "file:NAME", value: its ETag or "sha256:HEX"}; names already
//   marked are not fetched again. The listing's own validators are kept in memory only, so
//   after a restart the listing is read whole once and files marked before are skipped.
//
// Errors: no answer (connect, timeout, reset) and 5xx/429 back off exponentially with jitter
// from `interval` up to `max_backoff`; other 4xx are logged and counted, and polling goes on
// at the interval. If storage is unavailable the message is fetched and offered again later.
// Stall: when nothing new has arrived for `stall_after` (0: never), a warning is logged once
// and status().stalled is set until something arrives.
#include "feeds/feed_client.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <vector>

namespace electd::feeds {

struct poller_config {
    std::string name;
    std::string url;
    std::string ca_file; // extra trusted CA (PEM) for https
    std::chrono::milliseconds interval{2000};
    std::chrono::milliseconds timeout{10000}; // per request
    std::chrono::milliseconds max_backoff{60000};
    std::chrono::seconds stall_after{300};
    /// Called (on the poller's strand) when the feed stalls (true) or flows again (false).
    std::function<void(bool stalled)> on_stall;
};

/// Thread-safe (see feed_client).
class poller : public feed_client {
public:
    /// `state`: the stored marks (key -> value). Throws std::invalid_argument for a URL that is
    /// not http(s), or an unreadable CA file.
    poller(boost::asio::any_io_executor ex, poller_config cfg, std::map<std::string, std::string> state, submit_fn submit);
    ~poller() override;

    void start() override;
    void stop() override;
    feed_status status() const override;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

/// The links in a directory listing (HTML hrefs, or the words of a plain-text list), as written.
std::vector<std::string> listing_links(std::string_view body, bool html);

} // namespace electd::feeds
