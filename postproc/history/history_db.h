// The history database: the figures of every recorded run (RunFigures), kept in one SQLite
// file that a nightly job records into (`memattr-graph record`) and that `trend` reads.
//
// The file is memattr's own: PRAGMA application_id holds kHistoryApplicationId, so another
// program's SQLite database is recognised and refused, and PRAGMA user_version the schema's
// version, which opening for writing migrates up to kHistorySchemaVersion. A file that is not
// one (not SQLite, another program's, corrupt, or from a newer memattr-graph) is refused with
// a message saying so before anything is written to it: the history of a project is never
// overwritten by mistake.
//
// Several processes may record into one file at once (the WAL journal, a busy timeout on
// every connection, writes in BEGIN IMMEDIATE transactions). Every failure is a
// std::runtime_error whose message begins with the file's path.
//
// The tables, for a person querying the file with sqlite3 (column names are the words of
// run_figures.h: figure_name, metric_name, finding_kind_name):
//   runs(id, recorded_at, source, program, <one column per RunFigure, NULL when missing>)
//   labels(run, name, value)
//   sites(run, key, label, <metric>_bytes for each SiteMetric)
//   findings(run, kind, key, label, bytes)
// Byte figures are SQLite integers (signed 64-bit): a figure above 2^63 - 1, which only a
// saturated sum of a forged trace reaches, is held at 2^63 - 1.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "history/run_figures.h"

struct sqlite3;

namespace memattr {

// "MATR" (memattr) in PRAGMA application_id: what marks a history database as memattr's.
inline constexpr std::int32_t kHistoryApplicationId = 0x4d415452;

// The schema version this program writes and knows how to read (PRAGMA user_version).
inline constexpr int kHistorySchemaVersion = 1;

// NAME=VALUE pairs: a run's labels, or the labels a run must have to be selected.
using Labels = std::vector<std::pair<std::string, std::string>>;

// "workload=parser, rev=3f2a1c": labels in a message or a heading.
std::string describe_labels(const Labels& labels);

// One recorded run as a list of runs shows it: everything but its sites and findings.
struct RecordedRun {
    std::int64_t id = 0;
    std::string recorded_at;  // UTC, "2026-12-02T03:00:00Z"
    Labels labels;            // in the order they were given
    std::array<std::optional<std::uint64_t>, kRunFigures> totals;  // by RunFigure

    std::optional<std::uint64_t> total(RunFigure figure) const {
        return totals[static_cast<std::size_t>(figure)];
    }
};

// One connection to a history database file.
class HistoryDb {
public:
    enum class Access {
        read,   // the file must be an existing history database; nothing is written
        write,  // a missing or empty (0-byte) file becomes a new database; an older schema
                // is migrated
    };

    // Opens `path` and checks that it is a history database this program can use (quick_check
    // included). Throws std::runtime_error, naming `path` and what is wrong, otherwise.
    HistoryDb(std::string path, Access access);
    ~HistoryDb();
    HistoryDb(const HistoryDb&) = delete;
    HistoryDb& operator=(const HistoryDb&) = delete;

    const std::string& path() const { return path_; }

    // Stores `figures` as a new run and returns its id. recorded_at is now unless `figures`
    // carries one (which must read like "2026-12-02T03:00:00Z"); `source` and `program` are
    // kept as they are. Throws std::invalid_argument for a label without a name, a label
    // name given twice or a malformed recorded_at; std::runtime_error when writing fails
    // (nothing of the run is then stored).
    std::int64_t record(const RunFigures& figures);

    // The runs whose labels include every NAME=VALUE of `filters`, oldest first (by
    // recorded_at, then by id).
    std::vector<RecordedRun> runs(const Labels& filters = {}) const;

    // The run `id` with its sites and findings, in the order they were recorded; its source
    // is "DB run <id>". Throws std::runtime_error when there is no such run.
    RunFigures load(std::int64_t id) const;

    // The newest run (the last of runs(filters)); nullopt when none matches.
    std::optional<std::int64_t> latest_run(const Labels& filters = {}) const;

private:
    struct Closer {
        void operator()(sqlite3* db) const;
    };

    void open(Access access);
    void connect(int flags);  // a new connection (sqlite3_open_v2's flags) replaces db_
    void check_is_history(Access access);
    void check_version(std::int64_t version, Access access) const;
    void migrate();

    std::string path_;
    std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace memattr
