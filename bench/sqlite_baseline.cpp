#include "bench/sqlite_baseline.hpp"

#include "daemon/ingest_api.hpp"
#include "daemon/reference_loader.hpp"
#include "daemon/tracker.hpp"
#include "feeds/native_json.hpp"
#include "storage/migrations.hpp"
#include "storage/reference_store.hpp"
#include "storage/sqlite.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <stdexcept>

namespace electd::bench {
namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

// One column value exactly as SQLite returned it.
struct cell {
    int type = SQLITE_NULL;
    std::int64_t integer = 0;
    double real = 0;
    std::string bytes; // text or blob
};
using row = std::vector<cell>;

// A table's columns, in the order a SELECT * returned them.
struct table_shape {
    std::string name;
    std::vector<std::string> columns;

    int column(std::string_view n) const
    {
        for (std::size_t i = 0; i < columns.size(); ++i)
            if (columns[i] == n)
                return static_cast<int>(i);
        return -1;
    }

    std::string insert_sql() const
    {
        std::string cols, params;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            cols += (i ? ", " : "") + columns[i];
            params += (i ? ", ?" : "?") + std::to_string(i + 1);
        }
        return "INSERT INTO " + name + " (" + cols + ") VALUES (" + params + ")";
    }
};

// A prepared statement on the plain C API; values are bound without copies (SQLITE_STATIC).
class raw_statement {
public:
    raw_statement(sqlite3* db, std::string const& sql) : db_(db)
    {
        check(sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr));
    }
    ~raw_statement() { sqlite3_finalize(stmt_); }
    raw_statement(raw_statement const&) = delete;
    raw_statement& operator=(raw_statement const&) = delete;

    void bind(int i, cell const& c)
    {
        switch (c.type) {
        case SQLITE_INTEGER:
            check(sqlite3_bind_int64(stmt_, i, c.integer));
            break;
        case SQLITE_FLOAT:
            check(sqlite3_bind_double(stmt_, i, c.real));
            break;
        case SQLITE_TEXT:
            check(sqlite3_bind_text(stmt_, i, c.bytes.data(), static_cast<int>(c.bytes.size()), SQLITE_STATIC));
            break;
        case SQLITE_BLOB:
            check(sqlite3_bind_blob(stmt_, i, c.bytes.data(), static_cast<int>(c.bytes.size()), SQLITE_STATIC));
            break;
        default:
            check(sqlite3_bind_null(stmt_, i));
        }
    }
    void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
    void bind_null(int i) { check(sqlite3_bind_null(stmt_, i)); }

    /// Binds a row, except the columns `fixed` sets itself (called with bind()).
    void bind_row(row const& r, std::vector<int> const& skip)
    {
        for (std::size_t i = 0; i < r.size(); ++i)
            if (std::find(skip.begin(), skip.end(), static_cast<int>(i)) == skip.end())
                bind(static_cast<int>(i) + 1, r[i]);
    }

    void run()
    {
        if (int rc = sqlite3_step(stmt_); rc != SQLITE_DONE) {
            sqlite3_reset(stmt_);
            check(rc);
        }
        sqlite3_reset(stmt_);
    }

    /// Steps a query; true while there is a row.
    bool next()
    {
        int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW)
            return true;
        if (rc != SQLITE_DONE)
            check(rc);
        return false;
    }

    row current() const
    {
        row out(static_cast<std::size_t>(sqlite3_column_count(stmt_)));
        for (std::size_t i = 0; i < out.size(); ++i) {
            auto col = static_cast<int>(i);
            auto& c = out[i];
            c.type = sqlite3_column_type(stmt_, col);
            if (c.type == SQLITE_INTEGER)
                c.integer = sqlite3_column_int64(stmt_, col);
            else if (c.type == SQLITE_FLOAT)
                c.real = sqlite3_column_double(stmt_, col);
            else if (c.type == SQLITE_TEXT || c.type == SQLITE_BLOB) {
                auto const* p = static_cast<char const*>(
                    c.type == SQLITE_TEXT ? static_cast<void const*>(sqlite3_column_text(stmt_, col))
                                          : sqlite3_column_blob(stmt_, col));
                c.bytes.assign(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
            }
        }
        return out;
    }

    table_shape shape(std::string name) const
    {
        table_shape t{std::move(name), {}};
        for (int i = 0; i < sqlite3_column_count(stmt_); ++i)
            t.columns.emplace_back(sqlite3_column_name(stmt_, i));
        return t;
    }

    void reset() { sqlite3_reset(stmt_); }

private:
    void check(int rc)
    {
        if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            storage::throw_error(db_, rc, "raw baseline");
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

bool has_table(sqlite3* db, char const* name)
{
    raw_statement q(db, std::string("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '") + name + "'");
    return q.next();
}

} // namespace

// The rows one tracker run stored, grouped by declaration.
struct sqlite_baseline::stored {
    struct declaration {
        row self;
        std::vector<row> candidates;
        std::vector<row> alerts;
    };
    table_shape declarations, candidates, alerts;
    bool has_alerts = false;
    std::vector<declaration> all;
};

sqlite_baseline::sqlite_baseline(workload const& w, std::string dir, double seconds)
    : workload_(w), dir_(std::move(dir)), seconds_(seconds)
{
}

sqlite_baseline::~sqlite_baseline() = default;

std::string sqlite_baseline::fresh_database(std::string const& name) const
{
    auto path = (std::filesystem::path(dir_) / ("baseline-" + name + ".db")).string();
    remove_database(path);
    // As `electd serve` prepares its database: schema and pragmas, reference data, models.
    storage::connection db(path);
    storage::migrate(db);
    auto ref = daemon::read_bundled_reference();
    storage::save_reference(db, *ref, "bundled");
    daemon::load_models(db, daemon::bundled_files(), "bundled");
    return path;
}

void sqlite_baseline::remove_database(std::string const& path) const
{
    for (auto const* suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(path + suffix);
}

row_shape sqlite_baseline::shape() const
{
    row_shape s;
    if (!rows_ || rows_->all.empty())
        return s;
    auto const& d = rows_->declarations;
    auto bytes = [](row const& r, int col) { return col < 0 ? 0.0 : static_cast<double>(r[static_cast<std::size_t>(col)].bytes.size()); };
    for (auto const& decl : rows_->all) {
        for (auto const& c : decl.self)
            s.declaration_bytes += static_cast<double>(c.bytes.size());
        s.payload_bytes += bytes(decl.self, d.column("payload"));
        s.result_json_bytes += bytes(decl.self, d.column("result_json"));
        s.analysis_json_bytes += bytes(decl.self, d.column("analysis_json"));
        s.candidates += static_cast<double>(decl.candidates.size());
        s.alerts += static_cast<double>(decl.alerts.size());
    }
    auto n = static_cast<double>(rows_->all.size());
    return {s.declaration_bytes / n, s.payload_bytes / n, s.result_json_bytes / n, s.analysis_json_bytes / n,
            s.candidates / n, s.alerts / n};
}

baseline_figure sqlite_baseline::tracker(std::size_t window)
{
    if (window == 0 || window > workload_.seat_count())
        throw std::runtime_error("the tracker window must be between 1 and the number of seats");
    auto path = fresh_database("tracker-" + std::to_string(window));
    baseline_figure f{"electd tracker in-process (no HTTP)", "window " + std::to_string(window)};
    {
        std::shared_ptr<core::reference_data const> ref;
        {
            storage::connection db(path);
            ref = storage::load_reference(db); // as the daemon does after saving it
        }
        asio::io_context ioc(1);
        auto guard = asio::make_work_guard(ioc);
        daemon::tracker t(path, ref, ioc.get_executor());
        t.start();
        auto const seats = workload_.seat_count();
        std::uint64_t next = 0, outstanding = 0, created = 0, other = 0;
        auto start = clock::now();
        auto deadline = start + std::chrono::duration<double>(seconds_);
        // What the HTTP handler does per request, on this thread as on a network thread.
        std::function<void()> submit = [&] {
            auto k = next++;
            auto seat = static_cast<std::size_t>(k % seats);
            auto body = workload_.body(seat, static_cast<int>(k / seats + 1));
            auto parsed = feeds::parse_native_json(body);
            auto checked = core::check_declaration(parsed.input, *t.current()->reference());
            if (!checked.problems.empty())
                throw std::runtime_error("a benchmark declaration failed its checks");
            daemon::ingest_request req;
            req.input = std::move(parsed.input);
            req.payload = std::move(body);
            req.content_type = "application/json";
            req.warnings = std::move(parsed.warnings);
            req.received_at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
            ++outstanding;
            t.async_ingest(std::move(req), [&](daemon::ingest_outcome o) {
                --outstanding;
                o.status == daemon::ingest_status::created ? ++created : ++other;
                auto answer = daemon::to_reply(o); // the handler renders every answer
                (void)answer;
                if (clock::now() < deadline)
                    submit();
                else if (outstanding == 0)
                    guard.reset();
            });
        };
        for (std::size_t i = 0; i < window; ++i)
            submit();
        ioc.run();
        f.seconds = std::chrono::duration<double>(clock::now() - start).count();
        t.stop();
        f.declarations = created;
        if (other != 0)
            throw std::runtime_error(std::to_string(other) + " in-process declarations were not created");
        auto batches = t.stats().batches.load();
        if (batches > 0)
            f.average_batch = static_cast<double>(t.stats().declarations.load()) / static_cast<double>(batches);
    }

    // Keep what it stored, newest first up to two revisions per seat, for the raw mode.
    auto kept = std::make_unique<stored>();
    {
        storage::connection conn(path);
        auto* db = conn.handle();
        raw_statement decls(db, "SELECT * FROM declarations ORDER BY seq DESC LIMIT "
                                    + std::to_string(2 * workload_.seat_count()));
        raw_statement cands(db, "SELECT * FROM declaration_candidates WHERE seq = ?1 ORDER BY position");
        kept->declarations = decls.shape("declarations");
        kept->candidates = cands.shape("declaration_candidates");
        kept->has_alerts = has_table(db, "alerts");
        std::optional<raw_statement> alerts;
        if (kept->has_alerts) {
            alerts.emplace(db, "SELECT * FROM alerts WHERE declaration_seq = ?1 ORDER BY seq");
            kept->alerts = alerts->shape("alerts");
        }
        auto seq_col = static_cast<std::size_t>(kept->declarations.column("seq"));
        while (decls.next()) {
            auto& d = kept->all.emplace_back();
            d.self = decls.current();
            cands.bind(1, d.self[seq_col].integer);
            while (cands.next())
                d.candidates.push_back(cands.current());
            cands.reset();
            if (alerts) {
                alerts->bind(1, d.self[seq_col].integer);
                while (alerts->next())
                    d.alerts.push_back(alerts->current());
                alerts->reset();
            }
        }
        std::reverse(kept->all.begin(), kept->all.end());
        std::uint64_t per_cycle = 0;
        for (auto const& d : kept->all)
            per_cycle += 1 + d.candidates.size() + d.alerts.size();
        // Rows for the whole run, estimated from the kept sample's mix.
        if (!kept->all.empty())
            f.rows = f.declarations * per_cycle / kept->all.size();
    }
    if (kept->all.empty())
        throw std::runtime_error("the tracker stored nothing");
    rows_ = std::move(kept);
    remove_database(path);
    return f;
}

baseline_figure sqlite_baseline::raw(std::size_t batch)
{
    if (!rows_)
        throw std::runtime_error("run the tracker baseline first: the raw one re-inserts its rows");
    auto const& s = *rows_;
    auto path = fresh_database("raw-" + std::to_string(batch));
    baseline_figure f{"raw sqlite3, the tracker's rows", std::to_string(batch) + " per txn"};
    {
        storage::connection conn(path);
        storage::configure_writer(conn); // WAL, synchronous=FULL, foreign_keys=ON, as the tracker
        auto* db = conn.handle();
        raw_statement begin(db, "BEGIN IMMEDIATE"), commit(db, "COMMIT");
        raw_statement decl(db, s.declarations.insert_sql()), cand(db, s.candidates.insert_sql());
        std::optional<raw_statement> alert;
        if (s.has_alerts)
            alert.emplace(db, s.alerts.insert_sql());
        // Numbers that must be new per copy: seqs (shared by declarations and alerts, as in
        // electd) and revisions; everything else is bound as the tracker stored it.
        int d_seq = s.declarations.column("seq"), d_rev = s.declarations.column("revision");
        int c_seq = s.candidates.column("seq");
        int a_seq = s.alerts.column("seq"), a_decl = s.alerts.column("declaration_seq");
        int a_retracts = s.alerts.column("retracts");
        std::vector<int> d_fixed{d_seq, d_rev}, c_fixed{c_seq}, a_fixed{a_seq, a_decl, a_retracts};
        std::int64_t next_seq = 1, last_alert = 0;
        std::uint64_t k = 0;
        auto start = clock::now();
        auto deadline = start + std::chrono::duration<double>(seconds_);
        do {
            begin.run();
            for (std::size_t b = 0; b < batch; ++b, ++k) {
                auto const& t = s.all[k % s.all.size()];
                auto seq = next_seq++;
                decl.bind_row(t.self, d_fixed);
                decl.bind(d_seq + 1, seq);
                decl.bind(d_rev + 1, static_cast<std::int64_t>(k + 1)); // rises per seat, as on the night
                decl.run();
                for (auto const& c : t.candidates) {
                    cand.bind_row(c, c_fixed);
                    cand.bind(c_seq + 1, seq);
                    cand.run();
                }
                for (auto const& a : t.alerts) {
                    auto own = next_seq++;
                    alert->bind_row(a, a_fixed);
                    alert->bind(a_seq + 1, own);
                    if (a_decl >= 0)
                        alert->bind(a_decl + 1, seq);
                    if (a_retracts >= 0) {
                        // Keep the reference (and its foreign key check) pointing at a stored alert.
                        bool retracts = a[static_cast<std::size_t>(a_retracts)].type != SQLITE_NULL && last_alert > 0;
                        retracts ? alert->bind(a_retracts + 1, last_alert) : alert->bind_null(a_retracts + 1);
                    }
                    alert->run();
                    last_alert = own;
                }
                f.rows += 1 + t.candidates.size() + t.alerts.size();
            }
            commit.run();
        } while (clock::now() < deadline);
        f.seconds = std::chrono::duration<double>(clock::now() - start).count();
        f.declarations = k;
    }
    remove_database(path);
    return f;
}

} // namespace electd::bench
