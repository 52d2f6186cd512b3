#include "storage/sqlite.hpp"

namespace electd::storage {

void throw_error(sqlite3* db, int rc, std::string_view context)
{
    std::string msg(context);
    msg += ": ";
    msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw sqlite_error(db ? sqlite3_extended_errcode(db) : rc, msg);
}

connection::connection(std::string const& path, mode m) : path_(path)
{
    int flags = m == mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = "cannot open database '" + path + "': " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close(db_);
        db_ = nullptr;
        throw sqlite_error(rc, msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 5000); // readers and a backup may hold the lock briefly
}

connection::~connection()
{
    sqlite3_close_v2(db_);
}

void connection::exec(std::string_view sql)
{
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw sqlite_error(sqlite3_extended_errcode(db_), "SQL failed: " + msg);
    }
}

statement::statement(connection& db, std::string_view sql) : db_(db.handle())
{
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                                nullptr);
    if (rc != SQLITE_OK)
        throw_error(db_, rc, "cannot prepare statement");
}

statement::~statement()
{
    sqlite3_finalize(stmt_);
}

statement& statement::bind(int i, std::int64_t v)
{
    if (int rc = sqlite3_bind_int64(stmt_, i, v); rc != SQLITE_OK)
        throw_error(db_, rc, "bind");
    return *this;
}

statement& statement::bind(int i, double v)
{
    if (int rc = sqlite3_bind_double(stmt_, i, v); rc != SQLITE_OK)
        throw_error(db_, rc, "bind");
    return *this;
}

statement& statement::bind(int i, std::string_view v)
{
    if (int rc = sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8); rc != SQLITE_OK)
        throw_error(db_, rc, "bind");
    return *this;
}

statement& statement::bind_blob(int i, std::string_view v)
{
    if (int rc = sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT); rc != SQLITE_OK)
        throw_error(db_, rc, "bind");
    return *this;
}

statement& statement::bind_null(int i)
{
    if (int rc = sqlite3_bind_null(stmt_, i); rc != SQLITE_OK)
        throw_error(db_, rc, "bind");
    return *this;
}

bool statement::step()
{
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    sqlite3_reset(stmt_);
    throw_error(db_, rc, "step");
}

void statement::run()
{
    step();
    reset();
}

void statement::reset()
{
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool statement::is_null(int col) const
{
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

std::int64_t statement::int64(int col) const
{
    return sqlite3_column_int64(stmt_, col);
}

double statement::real(int col) const
{
    return sqlite3_column_double(stmt_, col);
}

std::string statement::text(int col) const
{
    return std::string(text_view(col));
}

std::string_view statement::text_view(int col) const
{
    auto const* p = reinterpret_cast<char const*>(sqlite3_column_text(stmt_, col));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string_view();
}

std::optional<std::int64_t> statement::optional_int64(int col) const
{
    if (is_null(col))
        return std::nullopt;
    return int64(col);
}

transaction::transaction(connection& db) : db_(db)
{
    db_.exec("BEGIN IMMEDIATE");
}

transaction::~transaction()
{
    if (!done_)
        sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void transaction::commit()
{
    db_.exec("COMMIT");
    done_ = true;
}

} // namespace electd::storage
