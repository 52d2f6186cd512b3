#pragma once
// Thin RAII over the SQLite C API: a connection, prepared statements, transactions.
// A connection is used by one thread at a time (SQLite's "multi-thread" mode).
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace electd::storage {

class sqlite_error : public std::runtime_error {
public:
    sqlite_error(int code, std::string const& what) : std::runtime_error(what), code_(code) {}
    int code() const { return code_; }
    /// True when the disk (or its quota) is full: ingest answers 503 and recovers later.
    bool disk_full() const { return (code_ & 0xff) == SQLITE_FULL; }

private:
    int code_;
};

class connection {
public:
    enum class mode { read_write, read_only };
    connection(std::string const& path, mode m = mode::read_write);
    ~connection();
    connection(connection const&) = delete;
    connection& operator=(connection const&) = delete;

    /// Runs SQL without results (several statements allowed).
    void exec(std::string_view sql);
    sqlite3* handle() const { return db_; }
    std::string const& path() const { return path_; }

private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

class statement {
public:
    statement(connection& db, std::string_view sql);
    ~statement();
    statement(statement&& o) noexcept : stmt_(o.stmt_), db_(o.db_) { o.stmt_ = nullptr; }
    statement(statement const&) = delete;
    statement& operator=(statement const&) = delete;

    // Parameters are 1-based, as in SQLite.
    statement& bind(int i, std::int64_t v);
    statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    statement& bind(int i, double v);
    statement& bind(int i, std::string_view v); // copied by SQLite
    statement& bind(int i, char const* v) { return bind(i, std::string_view(v)); }
    statement& bind_blob(int i, std::string_view v);
    statement& bind_null(int i);
    template <class T>
    statement& bind(int i, std::optional<T> const& v)
    {
        return v ? bind(i, *v) : bind_null(i);
    }

    /// Advances; true while there is a row to read.
    bool step();
    /// Steps a statement that returns no rows, then resets it for reuse.
    void run();
    void reset();

    bool is_null(int col) const;
    std::int64_t int64(int col) const;
    double real(int col) const;
    std::string text(int col) const;
    std::string_view text_view(int col) const; // valid until the next step/reset
    std::optional<std::int64_t> optional_int64(int col) const;

private:
    sqlite3_stmt* stmt_ = nullptr;
    sqlite3* db_ = nullptr;
};

/// BEGIN IMMEDIATE on construction; rolls back on destruction unless committed.
class transaction {
public:
    explicit transaction(connection& db);
    ~transaction();
    transaction(transaction const&) = delete;
    transaction& operator=(transaction const&) = delete;
    void commit();

private:
    connection& db_;
    bool done_ = false;
};

[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view context);

} // namespace electd::storage
