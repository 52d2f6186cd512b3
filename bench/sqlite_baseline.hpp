#pragma once
// The ingest benchmark's yardsticks, on fresh files prepared as `electd serve` prepares its
// database (schema, pragmas, reference data, models):
//   - tracker: a real daemon::tracker in-process, fed as the HTTP handler feeds it (parse,
//              check, submit, render the answer) but with no sockets: the daemon minus HTTP;
//   - raw:     the very rows that tracker stored (declarations, declaration_candidates,
//              alerts), inserted again with plain sqlite3_* calls, prepared statements and no
//              copies, under the same pragmas (WAL, synchronous=FULL, foreign_keys=ON).
// Not thread-safe; each call creates, fills and removes its own database file.
#include "bench/workload.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace electd::bench {

struct baseline_figure {
    std::string mode;
    std::string batching;
    std::uint64_t declarations = 0;
    std::uint64_t rows = 0;               // every row inserted, candidates and alerts included
    double seconds = 0;
    std::optional<double> average_batch;  // tracker: what its group commit achieved

    double rate() const { return seconds > 0 ? static_cast<double>(declarations) / seconds : 0; }
};

/// What one stored declaration weighs, on average, in the rows the tracker wrote.
struct row_shape {
    double declaration_bytes = 0; // text and blob bytes of the declarations row
    double payload_bytes = 0;
    double result_json_bytes = 0;
    double analysis_json_bytes = 0;
    double candidates = 0;        // declaration_candidates rows
    double alerts = 0;            // alerts rows
};

class sqlite_baseline {
public:
    /// Each mode runs for `seconds`, in a fresh file under `dir`.
    sqlite_baseline(workload const& w, std::string dir, double seconds);
    ~sqlite_baseline();
    sqlite_baseline(sqlite_baseline const&) = delete;
    sqlite_baseline& operator=(sqlite_baseline const&) = delete;

    /// Runs the tracker with `window` declarations outstanding, then keeps the last rows it
    /// stored (up to two revisions of every seat) for raw().
    baseline_figure tracker(std::size_t window);
    /// Inserts copies of the tracker's rows, `batch` declarations per transaction, with fresh
    /// seq and revision numbers. Call tracker() first.
    baseline_figure raw(std::size_t batch);
    row_shape shape() const;

private:
    struct stored;
    std::string fresh_database(std::string const& name) const;
    void remove_database(std::string const& path) const;

    workload const& workload_;
    std::string dir_;
    double seconds_;
    std::unique_ptr<stored> rows_;
};

} // namespace electd::bench
