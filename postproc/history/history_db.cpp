#include "history/history_db.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>
#include <sqlite3.h>

namespace memattr {

namespace {

// How long a connection waits for another writer's transaction before giving up. Records
// take milliseconds; this covers a burst of nightly jobs finishing together.
constexpr int kBusyTimeoutMs = 10'000;

// The first 16 bytes of every SQLite 3 database file, its terminating NUL included.
constexpr std::string_view kSqliteHeader{"SQLite format 3\0", 16};

// How many RunFigures and SiteMetrics schema version 1 has columns for: the first ones of
// each enum. The queries use every figure and metric of run_figures.h, so one added there
// (at the end of its enum) needs a migration that adds its column (ALTER TABLE ... ADD
// COLUMN) while version 1 keeps creating these; the asserts stop the build until it has one.
constexpr std::size_t kVersion1Figures = 12;
constexpr std::size_t kVersion1Metrics = 5;
static_assert(kRunFigures == kVersion1Figures, "a new RunFigure needs a schema migration");
static_assert(kSiteMetrics == kVersion1Metrics, "a new SiteMetric needs a schema migration");

[[noreturn]] void fail(const std::string& path, std::string_view what) {
    throw std::runtime_error(fmt::format("{}: {}", path, what));
}

// The column of a run's total, e.g. "peak_bytes".
std::string figure_column(std::size_t figure) {
    return std::string(figure_name(static_cast<RunFigure>(figure)));
}

// The column of a site's metric, e.g. "peak_bytes".
std::string metric_column(std::size_t metric) {
    return fmt::format("{}_bytes", metric_name(static_cast<SiteMetric>(metric)));
}

// ', "a", "b"': the quoted names of `count` columns, each followed by `suffix` (a type).
std::string column_list(std::size_t count, std::string (*name)(std::size_t),
                        std::string_view suffix = {}) {
    std::string list;
    for (std::size_t i = 0; i < count; ++i)
        list += fmt::format(", \"{}\"{}", name(i), suffix);
    return list;
}

// ", ?, ?" : one placeholder per item.
std::string placeholders(std::size_t count) {
    std::string list;
    for (std::size_t i = 0; i < count; ++i) list += ", ?";
    return list;
}

// SQLite integers are signed 64-bit; a figure beyond them (a saturated sum) is held there.
std::int64_t stored_bytes(std::uint64_t bytes) {
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return static_cast<std::int64_t>(bytes > kMax ? kMax : bytes);
}

// The last failure on `db` in words: SQLite's message, with what it means here.
std::string sqlite_problem(sqlite3* db) {
    const std::string message = sqlite3_errmsg(db);
    switch (sqlite3_errcode(db)) {
    case SQLITE_CORRUPT:
        return fmt::format("the file is corrupt (SQLite: {})", message);
    case SQLITE_BUSY:
        return fmt::format("{}: another process kept it busy for more than {} s", message,
                           kBusyTimeoutMs / 1000);
    default:
        return message;
    }
}

// Runs SQL without results (several statements allowed), e.g. BEGIN or a migration.
void execute(sqlite3* db, const std::string& path, std::string_view doing,
             const std::string& sql) {
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
        fail(path, fmt::format("{}: {}", doing, sqlite_problem(db)));
}

// One prepared statement; every step is checked. `doing` says, for the error message, what
// the statement was for ("cannot record the run").
class Statement {
public:
    Statement(sqlite3* db, const std::string& path, std::string_view doing,
              const std::string& sql)
        : db_(db), path_(path), doing_(doing) {
        if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &statement_,
                               nullptr) != SQLITE_OK)
            error();
    }
    ~Statement() { sqlite3_finalize(statement_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Binds the parameters from 1 on: text, integers, and figures (NULL when missing).
    Statement& bind(int index, std::string_view text) {
        check(sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                                SQLITE_TRANSIENT));
        return *this;
    }
    Statement& bind(int index, std::int64_t value) {
        check(sqlite3_bind_int64(statement_, index, value));
        return *this;
    }
    Statement& bind_bytes(int index, std::optional<std::uint64_t> bytes) {
        check(bytes ? sqlite3_bind_int64(statement_, index, stored_bytes(*bytes))
                    : sqlite3_bind_null(statement_, index));
        return *this;
    }

    // The next row: true when there is one, false when the statement is done.
    bool step() {
        const int result = sqlite3_step(statement_);
        if (result == SQLITE_ROW) return true;
        if (result != SQLITE_DONE) error();
        return false;
    }

    // Makes it ready to run again with new values. (Stepping a finished statement would run
    // it again from the start.)
    void reset() {
        sqlite3_reset(statement_);
        sqlite3_clear_bindings(statement_);
    }

    // Runs a statement without results, then resets it.
    void run() {
        while (step()) {
        }
        reset();
    }

    std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }

    std::string text(int column) const {
        const auto* bytes = sqlite3_column_text(statement_, column);
        return bytes == nullptr ? std::string()
                                : std::string(reinterpret_cast<const char*>(bytes),
                                              sqlite3_column_bytes(statement_, column));
    }

    // A byte figure: nullopt for NULL; a value no memattr-graph stores (negative, not an
    // integer) means the file was edited by hand.
    std::optional<std::uint64_t> bytes(int column) const {
        const int type = sqlite3_column_type(statement_, column);
        if (type == SQLITE_NULL) return std::nullopt;
        const std::int64_t value = integer(column);
        if (type != SQLITE_INTEGER || value < 0)
            fail(path_, fmt::format("{}: column '{}' holds '{}', not a byte count", doing_,
                                    sqlite3_column_name(statement_, column), text(column)));
        return static_cast<std::uint64_t>(value);
    }

private:
    void check(int result) const {
        if (result != SQLITE_OK) error();
    }
    [[noreturn]] void error() const {
        fail(path_, fmt::format("{}: {}", doing_, sqlite_problem(db_)));
    }

    sqlite3* db_;
    const std::string& path_;
    std::string_view doing_;
    sqlite3_stmt* statement_ = nullptr;
};

// A transaction, rolled back unless committed (an exception on the way leaves nothing).
class Transaction {
public:
    // `begin` is "BEGIN IMMEDIATE" for writes (the write lock is taken up front, so waiting
    // for another writer is the busy timeout's job, never a failed upgrade), "BEGIN" for
    // reads that must see one state of the file.
    Transaction(sqlite3* db, const std::string& path, std::string_view doing,
                const std::string& begin)
        : db_(db), path_(path), doing_(doing) {
        execute(db_, path_, doing_, begin);
    }
    ~Transaction() {
        if (!committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit() {
        execute(db_, path_, doing_, "COMMIT");
        committed_ = true;
    }

private:
    sqlite3* db_;
    const std::string& path_;
    std::string_view doing_;
    bool committed_ = false;
};

std::int64_t pragma_integer(sqlite3* db, const std::string& path, std::string_view doing,
                            std::string_view pragma) {
    Statement statement(db, path, doing, fmt::format("PRAGMA {}", pragma));
    if (!statement.step()) fail(path, fmt::format("{}: PRAGMA {} gave no value", doing, pragma));
    return statement.integer(0);
}

// Switches a new file to the WAL journal, once: the journal mode is kept in the file. SQLite
// does not call the busy handler for this (the switch needs the file to itself, and waiting
// while holding a lock could deadlock), so while another process is creating the same file,
// this waits the busy timeout itself, a fresh statement (and lock) each time.
void use_wal(sqlite3* db, const std::string& path) {
    constexpr int kPauseMs = 20;
    constexpr std::string_view kDoing = "cannot use the WAL journal";
    for (int waited = 0;; waited += kPauseMs) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &statement, nullptr) !=
            SQLITE_OK)
            fail(path, fmt::format("{}: {}", kDoing, sqlite_problem(db)));
        const int result = sqlite3_step(statement);
        const std::string answer =
            result == SQLITE_ROW
                ? reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))
                : sqlite_problem(db);
        sqlite3_finalize(statement);
        if (result == SQLITE_ROW && answer == "wal") return;
        if (result == SQLITE_ROW)
            fail(path, fmt::format("{}: SQLite kept the '{}' journal (a network file system?)",
                                   kDoing, answer));
        if (result != SQLITE_BUSY || waited >= kBusyTimeoutMs)
            fail(path, fmt::format("{}: {}", kDoing, answer));
        ::usleep(kPauseMs * 1000);
    }
}

// What a file is that is not fit for the access asked: the start of its error message.
constexpr std::string_view kNotHistory = "not a memattr history database";

// Schema version 1: the four tables and their indexes. Column names are the words of
// run_figures.h, so that a person querying the file reads the names every output uses.
std::string schema_version_1() {
    return fmt::format(
        "CREATE TABLE runs (\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  recorded_at TEXT NOT NULL,  -- UTC, ISO 8601: 2026-12-02T03:00:00Z\n"
        "  source TEXT NOT NULL,       -- the trace or report it was read from\n"
        "  program TEXT NOT NULL       -- the profiled command line\n"
        "  {}                          -- the totals, NULL when the run lacks one\n"
        ");\n"
        "CREATE INDEX runs_by_time ON runs (recorded_at, id);\n"
        "CREATE TABLE labels (\n"
        "  run INTEGER NOT NULL REFERENCES runs (id),\n"
        "  name TEXT NOT NULL,\n"
        "  value TEXT NOT NULL,\n"
        "  PRIMARY KEY (run, name)\n"
        ");\n"
        "CREATE INDEX labels_by_value ON labels (name, value);\n"
        "CREATE TABLE sites (\n"
        "  run INTEGER NOT NULL REFERENCES runs (id),\n"
        "  key TEXT NOT NULL,   -- the stable key: the same site in every run\n"
        "  label TEXT NOT NULL  -- fn (file:line)\n"
        "  {},\n"
        "  PRIMARY KEY (run, key)\n"
        ");\n"
        "CREATE INDEX sites_by_key ON sites (key);\n"
        "CREATE INDEX sites_by_label ON sites (label);\n"
        "CREATE TABLE findings (\n"
        "  run INTEGER NOT NULL REFERENCES runs (id),\n"
        "  kind TEXT NOT NULL,\n"
        "  key TEXT NOT NULL,\n"
        "  label TEXT NOT NULL,\n"
        "  bytes INTEGER NOT NULL\n"
        ");\n"
        "CREATE INDEX findings_by_run ON findings (run);\n"
        "CREATE INDEX findings_by_key ON findings (key);\n"
        "CREATE INDEX findings_by_label ON findings (label);\n"
        "PRAGMA application_id = {};\n",
        column_list(kVersion1Figures, figure_column, " INTEGER"),
        column_list(kVersion1Metrics, metric_column, " INTEGER NOT NULL"), kHistoryApplicationId);
}

// The schema's history: migration N takes a file from version N - 1 to N.
struct Migration {
    int version;
    std::string (*sql)();
};
constexpr Migration kMigrations[] = {
    {1, schema_version_1},
};
static_assert(std::size(kMigrations) == kHistorySchemaVersion);

// "2026-12-02T03:00:00Z" for now.
std::string now_utc() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[sizeof "2026-12-02T03:00:00Z"];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// True when `text` reads like "2026-12-02T03:00:00Z" (the only form stored, so that text
// order is time order).
bool is_utc_timestamp(std::string_view text) {
    constexpr std::string_view kForm = "dddd-dd-ddTdd:dd:ddZ";
    if (text.size() != kForm.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (kForm[i] == 'd' ? (text[i] < '0' || text[i] > '9') : text[i] != kForm[i])
            return false;
    return true;
}

void check_figures(const RunFigures& figures) {
    std::set<std::string_view> names;
    for (const auto& [name, value] : figures.labels) {
        if (name.empty())
            throw std::invalid_argument(fmt::format("label '={}' has no name", value));
        if (!names.insert(name).second)
            throw std::invalid_argument(fmt::format("label '{}' is given twice", name));
    }
    std::set<std::string_view> keys;
    for (const SiteFigures& site : figures.sites)
        if (!keys.insert(site.key).second)
            throw std::invalid_argument(
                fmt::format("site key '{}' appears twice in the run's figures", site.key));
    if (!figures.recorded_at.empty() && !is_utc_timestamp(figures.recorded_at))
        throw std::invalid_argument(fmt::format(
            "recorded_at '{}' is not a UTC time like 2026-12-02T03:00:00Z", figures.recorded_at));
}

// " WHERE id IN (runs with label ?1=?2) AND ...", for one NAME=VALUE of `filters` each.
std::string label_condition(const Labels& filters) {
    std::string condition;
    for (std::size_t i = 0; i < filters.size(); ++i)
        condition += fmt::format(
            "{} id IN (SELECT run FROM labels WHERE name = ?{} AND value = ?{})",
            i == 0 ? " WHERE" : " AND", 2 * i + 1, 2 * i + 2);
    return condition;
}

void bind_labels(Statement& statement, const Labels& filters) {
    for (std::size_t i = 0; i < filters.size(); ++i)
        statement.bind(static_cast<int>(2 * i + 1), filters[i].first)
            .bind(static_cast<int>(2 * i + 2), filters[i].second);
}

FindingKind finding_kind_of(const std::string& path, std::string_view word) {
    for (std::size_t kind = 0; kind < kFindingKinds; ++kind)
        if (finding_kind_name(static_cast<FindingKind>(kind)) == word)
            return static_cast<FindingKind>(kind);
    fail(path, fmt::format("a finding has the unknown kind '{}'", word));
}

}  // namespace

std::string describe_labels(const Labels& labels) {
    std::string text;
    for (const auto& [name, value] : labels)
        text += fmt::format("{}{}={}", text.empty() ? "" : ", ", name, value);
    return text;
}

void HistoryDb::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

HistoryDb::HistoryDb(std::string path, Access access) : path_(std::move(path)) {
    open(access);
}

HistoryDb::~HistoryDb() = default;

// Checks the file before SQLite sees it (a missing file, an empty one, a file that is not
// SQLite at all), then validates it through a read-only connection, which changes nothing
// whatever the file holds; only then, for writing, opens it for writing.
void HistoryDb::open(Access access) {
    struct stat info {};
    const bool exists = ::stat(path_.c_str(), &info) == 0;
    if (!exists && errno != ENOENT) fail(path_, std::strerror(errno));
    if (exists && !S_ISREG(info.st_mode)) fail(path_, fmt::format("{}: not a regular file", kNotHistory));
    const bool empty = !exists || info.st_size == 0;
    if (empty && access == Access::read)
        fail(path_, exists ? fmt::format("{}: the file is empty (record a run into it first)",
                                         kNotHistory)
                           : "no such history database (record a run into it first)");
    if (!empty) {
        std::ifstream file(path_, std::ios::binary);
        std::string header(kSqliteHeader.size(), '\0');
        if (!file.read(header.data(), static_cast<std::streamsize>(header.size())) ||
            header != kSqliteHeader)
            fail(path_, fmt::format("{}: not an SQLite database (it does not begin with "
                                    "'SQLite format 3')",
                                    kNotHistory));
        connect(SQLITE_OPEN_READONLY);
        check_is_history(access);
    }
    if (access == Access::write) {
        connect(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        migrate();
    }
    execute(db_.get(), path_, "cannot open it", "PRAGMA foreign_keys = ON");
}

void HistoryDb::connect(int flags) {
    db_.reset();
    sqlite3* db = nullptr;
    const int result = sqlite3_open_v2(path_.c_str(), &db, flags, nullptr);
    db_.reset(db);  // closed even when opening failed
    if (result != SQLITE_OK)
        fail(path_, fmt::format("cannot open it: {}",
                                db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(result)));
    if (sqlite3_busy_timeout(db, kBusyTimeoutMs) != SQLITE_OK)
        fail(path_, fmt::format("cannot set the busy timeout: {}", sqlite3_errmsg(db)));
}

// The first reads of an existing file: SQLite fails here on a damaged header
// (SQLITE_NOTADB), and quick_check reads every page.
void HistoryDb::check_is_history(Access access) {
    sqlite3* db = db_.get();
    constexpr std::string_view doing = "cannot use it as a history database";
    // The three reads in one read transaction, so that they see one state of the file: another
    // process may be creating it (its first migration commits the tables, the application_id
    // and user_version at once), and reads apart could see its application_id still 0 and its
    // tables already there: "another program's database".
    std::int64_t application_id = 0, version = 0, table_count = 0;
    {
        Transaction reading(db, path_, doing, "BEGIN");
        application_id = pragma_integer(db, path_, doing, "application_id");
        version = pragma_integer(db, path_, doing, "user_version");
        Statement tables(db, path_, doing, "SELECT count(*) FROM sqlite_master");
        tables.step();
        table_count = tables.integer(0);
    }
    const bool blank = application_id == 0 && version == 0 && table_count == 0;
    if (blank && access == Access::read)
        fail(path_, fmt::format("{}: an empty SQLite database (record a run into it first)",
                                kNotHistory));
    if (!blank && application_id != kHistoryApplicationId)
        fail(path_, application_id == 0
                        ? fmt::format("{}: another program's SQLite database (it has tables of "
                                      "its own and not memattr's application_id {:#x})",
                                      kNotHistory, kHistoryApplicationId)
                        : fmt::format("{}: another program's SQLite database (application_id "
                                      "{:#x}; memattr's is {:#x})",
                                      kNotHistory, static_cast<std::uint32_t>(application_id),
                                      kHistoryApplicationId));
    check_version(version, access);
    Statement check(db, path_, doing, "PRAGMA quick_check");
    const std::string verdict = check.step() ? check.text(0) : "no answer";
    if (verdict != "ok")
        fail(path_, fmt::format("the file is corrupt (PRAGMA quick_check: {})", verdict));
}

void HistoryDb::check_version(std::int64_t version, Access access) const {
    if (version > kHistorySchemaVersion)
        fail(path_, fmt::format("written by a newer memattr-graph: its schema version is {}, "
                                "this memattr-graph knows versions up to {}",
                                version, kHistorySchemaVersion));
    if (version < kHistorySchemaVersion && access == Access::read)
        fail(path_, fmt::format("its schema version {} is older than this memattr-graph reads "
                                "({}): record a run into it to upgrade it",
                                version, kHistorySchemaVersion));
}

// Brings the file up to kHistorySchemaVersion, one migration per transaction that also sets
// user_version. Each reads the version again once it holds the write lock: another process
// may have migrated (or created) the file since this one looked.
void HistoryDb::migrate() {
    sqlite3* db = db_.get();
    constexpr std::string_view kDoing = "cannot create or upgrade the history database";
    if (pragma_integer(db, path_, kDoing, "user_version") == 0) use_wal(db, path_);
    for (const Migration& migration : kMigrations) {
        if (pragma_integer(db, path_, kDoing, "user_version") >= migration.version) continue;
        Transaction transaction(db, path_, kDoing, "BEGIN IMMEDIATE");
        const std::int64_t version = pragma_integer(db, path_, kDoing, "user_version");
        check_version(version, Access::write);
        if (version >= migration.version) continue;  // rolled back: nothing was written
        execute(db, path_, kDoing,
                migration.sql() + fmt::format("PRAGMA user_version = {};", migration.version));
        transaction.commit();
    }
}

std::int64_t HistoryDb::record(const RunFigures& figures) {
    check_figures(figures);
    sqlite3* db = db_.get();
    constexpr std::string_view kDoing = "cannot record the run";
    Transaction transaction(db, path_, kDoing, "BEGIN IMMEDIATE");
    Statement run(db, path_, kDoing,
                  fmt::format("INSERT INTO runs (recorded_at, source, program{}) "
                              "VALUES (?, ?, ?{})",
                              column_list(kRunFigures, figure_column), placeholders(kRunFigures)));
    run.bind(1, figures.recorded_at.empty() ? now_utc() : figures.recorded_at)
        .bind(2, figures.source)
        .bind(3, figures.program);
    for (std::size_t figure = 0; figure < kRunFigures; ++figure)
        run.bind_bytes(static_cast<int>(4 + figure), figures.totals[figure]);
    run.run();
    const std::int64_t id = sqlite3_last_insert_rowid(db);

    Statement label(db, path_, kDoing, "INSERT INTO labels (run, name, value) VALUES (?, ?, ?)");
    for (const auto& [name, value] : figures.labels) label.bind(1, id).bind(2, name).bind(3, value).run();

    Statement site(db, path_, kDoing,
                   fmt::format("INSERT INTO sites (run, key, label{}) VALUES (?, ?, ?{})",
                               column_list(kSiteMetrics, metric_column),
                               placeholders(kSiteMetrics)));
    for (const SiteFigures& figures_of_site : figures.sites) {
        site.bind(1, id).bind(2, figures_of_site.key).bind(3, figures_of_site.label);
        for (std::size_t metric = 0; metric < kSiteMetrics; ++metric)
            site.bind_bytes(static_cast<int>(4 + metric), figures_of_site.bytes[metric]);
        site.run();
    }

    Statement finding(db, path_, kDoing,
                      "INSERT INTO findings (run, kind, key, label, bytes) "
                      "VALUES (?, ?, ?, ?, ?)");
    for (const Finding& one : figures.findings)
        finding.bind(1, id)
            .bind(2, finding_kind_name(one.kind))
            .bind(3, one.key)
            .bind(4, one.label)
            .bind_bytes(5, one.bytes)
            .run();
    transaction.commit();
    return id;
}

std::vector<RecordedRun> HistoryDb::runs(const Labels& filters) const {
    sqlite3* db = db_.get();
    constexpr std::string_view kDoing = "cannot list the runs";
    Transaction transaction(db, path_, kDoing, "BEGIN");
    Statement select(db, path_, kDoing,
                     fmt::format("SELECT id, recorded_at{} FROM runs{} ORDER BY recorded_at, id",
                                 column_list(kRunFigures, figure_column),
                                 label_condition(filters)));
    bind_labels(select, filters);
    Statement labels(db, path_, kDoing,
                     "SELECT name, value FROM labels WHERE run = ? ORDER BY rowid");
    std::vector<RecordedRun> found;
    while (select.step()) {
        RecordedRun& run = found.emplace_back();
        run.id = select.integer(0);
        run.recorded_at = select.text(1);
        for (std::size_t figure = 0; figure < kRunFigures; ++figure)
            run.totals[figure] = select.bytes(static_cast<int>(2 + figure));
        labels.bind(1, run.id);
        while (labels.step()) run.labels.emplace_back(labels.text(0), labels.text(1));
        labels.reset();
    }
    transaction.commit();
    return found;
}

std::optional<std::int64_t> HistoryDb::latest_run(const Labels& filters) const {
    Statement select(db_.get(), path_, "cannot find the latest run",
                     fmt::format("SELECT id FROM runs{} ORDER BY recorded_at DESC, id DESC "
                                 "LIMIT 1",
                                 label_condition(filters)));
    bind_labels(select, filters);
    if (!select.step()) return std::nullopt;
    return select.integer(0);
}

RunFigures HistoryDb::load(std::int64_t id) const {
    sqlite3* db = db_.get();
    const std::string doing = fmt::format("cannot read run {}", id);
    Transaction transaction(db, path_, doing, "BEGIN");
    Statement run(db, path_, doing,
                  fmt::format("SELECT recorded_at, source, program{} FROM runs WHERE id = ?",
                              column_list(kRunFigures, figure_column)));
    run.bind(1, id);
    if (!run.step()) fail(path_, fmt::format("there is no run {}", id));
    RunFigures figures;
    figures.source = fmt::format("DB run {}", id);
    figures.recorded_at = run.text(0);
    figures.program = run.text(2);
    for (std::size_t figure = 0; figure < kRunFigures; ++figure)
        figures.totals[figure] = run.bytes(static_cast<int>(3 + figure));

    Statement labels(db, path_, doing, "SELECT name, value FROM labels WHERE run = ? ORDER BY rowid");
    labels.bind(1, id);
    while (labels.step()) figures.labels.emplace_back(labels.text(0), labels.text(1));

    Statement sites(db, path_, doing,
                    fmt::format("SELECT key, label{} FROM sites WHERE run = ? ORDER BY rowid",
                                column_list(kSiteMetrics, metric_column)));
    sites.bind(1, id);
    while (sites.step()) {
        SiteFigures& site = figures.sites.emplace_back();
        site.key = sites.text(0);
        site.label = sites.text(1);
        for (std::size_t metric = 0; metric < kSiteMetrics; ++metric)
            site.bytes[metric] = sites.bytes(static_cast<int>(2 + metric)).value_or(0);
    }

    Statement findings(db, path_, doing,
                       "SELECT kind, key, label, bytes FROM findings WHERE run = ? "
                       "ORDER BY rowid");
    findings.bind(1, id);
    while (findings.step())
        figures.findings.push_back(Finding{.kind = finding_kind_of(path_, findings.text(0)),
                                           .key = findings.text(1),
                                           .label = findings.text(2),
                                           .bytes = findings.bytes(3).value_or(0)});
    transaction.commit();
    return figures;
}

}  // namespace memattr
