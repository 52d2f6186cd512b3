#pragma once
// The drop folder: PA (or anyone) puts one message per file into a directory, by FTP/SFTP or a
// copy; each complete file is handed to ingest once, in arrival order, even across restarts.
//
// Watching is inotify, read asynchronously. A file renamed into place (IN_MOVED_TO) is taken
// at once; one written in place is taken after its writer closes it (IN_CLOSE_WRITE) and its
// size and mtime then stay unchanged for `settle`; while a writer is still writing it
// (IN_CREATE/IN_MODIFY without a close) it is left alone however long that takes. On start
// (and after an inotify queue overflow) the folder is scanned and files not yet processed are
// taken after settling, in natural name order (PA's "_<revision>" suffix orders numerically).
// Subfolders are watched too; a file's name is its path relative to the root ("test/X.xml",
// which ingest treats as rehearsal data). Dotfiles, *.tmp and *.part, and names that are not
// *.xml or *.json, are ignored.
//
// Exactly once: each file goes with the mark {key: relative name, value: "SIZE:SHA256"},
// committed with the message. A file whose stored mark matches its content is skipped, so one
// rewritten identically (a re-copy, a touch) is not processed again; one rewritten with
// different content is (that is a new message; PA itself names a revision as a new file).
// If storage is unavailable the same file is offered again after a backoff, and the files
// behind it wait, keeping the order.
#include "feeds/feed_client.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <filesystem>
#include <memory>

namespace electd::feeds {

struct drop_folder_config {
    std::string name;
    std::filesystem::path path;
    std::chrono::milliseconds settle{500};
    std::chrono::milliseconds retry{1000};         // storage unavailable or folder missing: first retry
    std::chrono::milliseconds max_retry{30000};
    std::uintmax_t max_file_bytes = 16 * 1024 * 1024; // larger files are skipped (and reported)
};

/// Thread-safe (see feed_client).
class drop_folder : public feed_client {
public:
    /// `processed`: the stored marks (relative file name -> "SIZE:SHA256").
    drop_folder(boost::asio::any_io_executor ex, drop_folder_config cfg, std::map<std::string, std::string> processed,
                submit_fn submit);
    ~drop_folder() override;

    void start() override;
    void stop() override;
    feed_status status() const override;

    /// Whether the drop folder ignores a file of this name (dotfiles, *.tmp, *.part, not xml/json).
    static bool ignored(std::string_view file_name);

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace electd::feeds
