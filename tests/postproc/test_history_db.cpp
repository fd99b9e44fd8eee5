// The history database (history/history_db.h) on real SQLite files in a scratch folder: what
// it stores comes back, files that are not history databases are refused with a message and
// left as they were, and concurrent writers lose nothing.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "history/history_db.h"

namespace memattr {
namespace history_db_tests {

namespace fs = std::filesystem;

// A scratch folder per test, removed after it.
class History : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "memattr-history-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string file(const std::string& name) const { return (dir_ / name).string(); }

    fs::path dir_;
};

std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Runs SQL on `path` through a connection of the test's own (not HistoryDb's).
void sql(const std::string& path, const std::string& statements) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int result = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(result, SQLITE_OK) << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
}

// The single text value `query` gives on `path`.
std::string sql_value(const std::string& path, const std::string& query) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    std::string value = "(error)";
    if (sqlite3_prepare_v2(db, query.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW)
        value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return value;
}

// The message of the std::runtime_error `action` throws ("" when it throws none).
template <typename Action>
std::string error_of(Action action) {
    try {
        action();
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    return "";
}

// A run with every kind of content: two totals missing, labels, sites and findings.
RunFigures sample_run(std::string rev, std::uint64_t peak) {
    RunFigures figures;
    figures.source = "memattr.out.42";
    figures.program = "./parser --input 'a b.txt'";
    figures.labels = {{"workload", "parser"}, {"rev", std::move(rev)}, {"note", ""}};
    for (std::size_t i = 0; i < kRunFigures; ++i) figures.totals[i] = 1000 + i;
    figures.totals[static_cast<std::size_t>(RunFigure::peak_bytes)] = peak;
    figures.totals[static_cast<std::size_t>(RunFigure::leaked_bytes)] = std::nullopt;
    figures.totals[static_cast<std::size_t>(RunFigure::resident_estimate_bytes)] = std::nullopt;
    figures.sites = {{"k:grow", "Parser::grow (parser.cpp:42)", {peak, 9000, 0, 0, 77}},
                     {"k:lex", "Lexer::buf (lexer.cpp:9)", {100, 200, 300, 400, 500}}};
    figures.findings = {{FindingKind::clone, "c:1", "clone of Parser::grow", 4096},
                        {FindingKind::leak, "l:1", "leak at Lexer::buf", 300},
                        {FindingKind::mapping, "m:1", "anonymous mappings", 8192}};
    return figures;
}

TEST_F(History, RoundTripKeepsEveryFigureAndTheMissingTotals) {
    RunFigures figures = sample_run("3f2a1c", 1'572'864);
    figures.recorded_at = "2026-12-02T03:00:00Z";
    const std::string path = file("h.db");
    std::int64_t id = 0;
    {
        HistoryDb db(path, HistoryDb::Access::write);
        id = db.record(figures);
    }
    const RunFigures loaded = HistoryDb(path, HistoryDb::Access::read).load(id);
    EXPECT_EQ(loaded.source, "DB run 1");
    EXPECT_EQ(loaded.program, figures.program);
    EXPECT_EQ(loaded.recorded_at, figures.recorded_at);
    EXPECT_EQ(loaded.labels, figures.labels);
    EXPECT_EQ(loaded.totals, figures.totals);
    EXPECT_FALSE(loaded.total(RunFigure::leaked_bytes).has_value());
    ASSERT_EQ(loaded.sites.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(loaded.sites[i].key, figures.sites[i].key);
        EXPECT_EQ(loaded.sites[i].label, figures.sites[i].label);
        EXPECT_EQ(loaded.sites[i].bytes, figures.sites[i].bytes);
    }
    ASSERT_EQ(loaded.findings.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(loaded.findings[i].kind, figures.findings[i].kind);
        EXPECT_EQ(loaded.findings[i].key, figures.findings[i].key);
        EXPECT_EQ(loaded.findings[i].label, figures.findings[i].label);
        EXPECT_EQ(loaded.findings[i].bytes, figures.findings[i].bytes);
    }
}

TEST_F(History, MissingTotalsAreNullInTheFileAndColumnsAreNamedByTheFigures) {
    const std::string path = file("h.db");
    HistoryDb(path, HistoryDb::Access::write).record(sample_run("a", 5));
    EXPECT_EQ(sql_value(path, "SELECT count(*) FROM runs WHERE leaked_bytes IS NULL"), "1");
    EXPECT_EQ(sql_value(path, "SELECT peak_bytes FROM runs"), "5");
    EXPECT_EQ(sql_value(path, "SELECT retained_bytes FROM sites WHERE key = 'k:grow'"), "77");
    EXPECT_EQ(sql_value(path, "SELECT kind FROM findings ORDER BY rowid LIMIT 1"), "clone");
}

TEST_F(History, TheSqliteShellCanQueryIt) {
    const std::string path = file("h.db");
    HistoryDb(path, HistoryDb::Access::write).record(sample_run("a", 1234));
    const std::string output = file("out.txt");
    const std::string command = "sqlite3 -readonly '" + path +
                                "' \"SELECT r.peak_bytes, l.value FROM runs r JOIN labels l ON "
                                "l.run = r.id WHERE l.name = 'rev'\" > '" + output + "' 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << contents(output);
    EXPECT_EQ(contents(output), "1234|a\n");
}

TEST_F(History, RecordedAtIsNowInUtcUnlessTheFiguresCarryOne) {
    const std::string path = file("h.db");
    HistoryDb db(path, HistoryDb::Access::write);
    const std::int64_t now = db.record(sample_run("a", 1));
    const std::string recorded_at = db.load(now).recorded_at;
    ASSERT_EQ(recorded_at.size(), 20u) << recorded_at;
    EXPECT_EQ(recorded_at[10], 'T');
    EXPECT_EQ(recorded_at.back(), 'Z');
    EXPECT_EQ(recorded_at.substr(0, 2), "20");
}

TEST_F(History, ANewFileGetsTheSchemaTheApplicationIdAndTheWalJournal) {
    const std::string path = file("h.db");
    { HistoryDb db(path, HistoryDb::Access::write); }
    EXPECT_EQ(sql_value(path, "PRAGMA user_version"), std::to_string(kHistorySchemaVersion));
    EXPECT_EQ(sql_value(path, "PRAGMA application_id"), std::to_string(kHistoryApplicationId));
    EXPECT_EQ(sql_value(path, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(sql_value(path, "SELECT group_concat(name, ' ') FROM (SELECT name FROM "
                              "sqlite_master WHERE type = 'table' ORDER BY name)"),
              "findings labels runs sites");
    EXPECT_EQ(HistoryDb(path, HistoryDb::Access::read).runs().size(), 0u);
}

TEST_F(History, AnEmptyFileIsANewDatabaseOnlyForWriting) {
    const std::string path = file("h.db");
    write_file(path, "");
    EXPECT_NE(error_of([&] { HistoryDb(path, HistoryDb::Access::read); })
                  .find("not a memattr history database: the file is empty"),
              std::string::npos);
    EXPECT_EQ(contents(path), "");
    HistoryDb(path, HistoryDb::Access::write).record(sample_run("a", 1));
    EXPECT_EQ(HistoryDb(path, HistoryDb::Access::read).runs().size(), 1u);
}

TEST_F(History, ReadingAMissingFileIsAnErrorAndCreatesNothing) {
    const std::string path = file("missing.db");
    EXPECT_EQ(error_of([&] { HistoryDb(path, HistoryDb::Access::read); }),
              path + ": no such history database (record a run into it first)");
    EXPECT_FALSE(fs::exists(path));
}

// Opening `path` either way fails with a message holding `expected`, and the file keeps its
// bytes.
void expect_refused(const std::string& path, const std::string& expected) {
    const std::string before = contents(path);
    for (HistoryDb::Access access : {HistoryDb::Access::write, HistoryDb::Access::read}) {
        const std::string message = error_of([&] { HistoryDb(path, access); });
        EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
        EXPECT_NE(message.find(expected), std::string::npos) << message;
        EXPECT_EQ(contents(path), before) << "the file was changed";
    }
}

TEST_F(History, ATextFileIsRefusedAndLeftAsItWas) {
    const std::string path = file("notes.txt");
    write_file(path, "nightly notes\nnothing to see\n");
    expect_refused(path, "not a memattr history database: not an SQLite database");
}

TEST_F(History, AShortFileIsRefusedAndLeftAsItWas) {
    const std::string path = file("short.db");
    write_file(path, "SQLite");
    expect_refused(path, "not an SQLite database");
}

TEST_F(History, AnotherProgramsDatabaseWithTablesOfItsOwnIsRefused) {
    const std::string path = file("other.db");
    sql(path, "CREATE TABLE accounts (id INTEGER, owner TEXT); INSERT INTO accounts "
              "VALUES (1, 'x');");
    expect_refused(path, "another program's SQLite database (it has tables of its own");
}

TEST_F(History, AnotherApplicationIdIsRefused) {
    const std::string path = file("other.db");
    sql(path, "PRAGMA application_id = 1234; CREATE TABLE t (x);");
    expect_refused(path, "application_id 0x4d2; memattr's is 0x4d415452");
}

// A history database with enough runs to span several pages, closed (its WAL folded in).
std::string filled_database(const std::string& path) {
    HistoryDb db(path, HistoryDb::Access::write);
    for (int i = 0; i < 40; ++i) db.record(sample_run(std::to_string(i), i));
    return path;
}

TEST_F(History, ADatabaseWithADamagedPageIsRefusedAsCorrupt) {
    const std::string path = filled_database(file("h.db"));
    ASSERT_FALSE(fs::exists(path + "-wal"));
    const int page_size = std::stoi(sql_value(path, "PRAGMA page_size"));
    ASSERT_GT(fs::file_size(path), 4u * static_cast<unsigned>(page_size));
    {
        // Zero the b-tree page header of page 2 (the first page after the file header's).
        std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
        file.seekp(page_size);
        const std::string zeros(64, '\0');
        file.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    }
    expect_refused(path, "corrupt");
}

TEST_F(History, ATruncatedDatabaseIsRefusedAsCorrupt) {
    const std::string path = filled_database(file("h.db"));
    fs::resize_file(path, fs::file_size(path) / 2);
    expect_refused(path, "corrupt");
}

TEST_F(History, ANewerSchemaVersionIsRefused) {
    const std::string path = file("h.db");
    { HistoryDb db(path, HistoryDb::Access::write); }
    sql(path, "PRAGMA user_version = 7;");
    expect_refused(path, "written by a newer memattr-graph: its schema version is 7, this "
                         "memattr-graph knows versions up to 1");
}

TEST_F(History, AnOlderSchemaIsMigratedWhenWritingAndRefusedWhenReading) {
    // A file marked as memattr's at version 0: what a migration starts from.
    const std::string path = file("h.db");
    sql(path, "PRAGMA application_id = " + std::to_string(kHistoryApplicationId) + ";");
    ASSERT_EQ(sql_value(path, "PRAGMA user_version"), "0");
    EXPECT_NE(error_of([&] { HistoryDb(path, HistoryDb::Access::read); })
                  .find("its schema version 0 is older than this memattr-graph reads (1): "
                        "record a run into it to upgrade it"),
              std::string::npos);
    HistoryDb(path, HistoryDb::Access::write).record(sample_run("a", 1));
    EXPECT_EQ(sql_value(path, "PRAGMA user_version"), "1");
    EXPECT_EQ(HistoryDb(path, HistoryDb::Access::read).runs().size(), 1u);
}

TEST_F(History, AnEmptySqliteDatabaseIsNoHistoryToRead) {
    const std::string path = file("blank.db");
    sql(path, "CREATE TABLE t (x); DROP TABLE t; VACUUM;");
    ASSERT_GT(fs::file_size(path), 0u);
    EXPECT_NE(error_of([&] { HistoryDb(path, HistoryDb::Access::read); })
                  .find("an empty SQLite database"),
              std::string::npos);
    HistoryDb(path, HistoryDb::Access::write).record(sample_run("a", 1));
    EXPECT_EQ(sql_value(path, "PRAGMA application_id"), std::to_string(kHistoryApplicationId));
}

TEST_F(History, RunsAreSelectedByLabelsOldestFirst) {
    const std::string path = file("h.db");
    HistoryDb db(path, HistoryDb::Access::write);
    RunFigures late = sample_run("r2", 2);
    late.recorded_at = "2026-12-03T03:00:00Z";
    RunFigures early = sample_run("r1", 1);
    early.recorded_at = "2026-12-02T03:00:00Z";  // recorded after, but older
    RunFigures other = sample_run("r3", 3);
    other.labels[0].second = "lexer";
    other.recorded_at = "2026-12-04T03:00:00Z";
    const std::int64_t late_id = db.record(late);
    const std::int64_t early_id = db.record(early);
    const std::int64_t other_id = db.record(other);

    const std::vector<RecordedRun> parser = db.runs({{"workload", "parser"}});
    ASSERT_EQ(parser.size(), 2u);
    EXPECT_EQ(parser[0].id, early_id);
    EXPECT_EQ(parser[1].id, late_id);
    EXPECT_EQ(parser[1].labels, late.labels);
    EXPECT_EQ(parser[1].total(RunFigure::peak_bytes), 2u);
    EXPECT_EQ(db.runs().size(), 3u);
    EXPECT_TRUE(db.runs({{"workload", "parser"}, {"rev", "r3"}}).empty());

    EXPECT_EQ(db.latest_run(), other_id);
    EXPECT_EQ(db.latest_run({{"workload", "parser"}}), late_id);
    EXPECT_EQ(db.latest_run({{"workload", "parser"}, {"rev", "r1"}}), early_id);
    EXPECT_EQ(db.latest_run({{"note", ""}}), other_id);
    EXPECT_EQ(db.latest_run({{"workload", "nothing"}}), std::nullopt);
}

TEST_F(History, LoadingAnUnknownRunIsAnError) {
    const std::string path = file("h.db");
    HistoryDb db(path, HistoryDb::Access::write);
    db.record(sample_run("a", 1));
    EXPECT_EQ(error_of([&] { db.load(2); }), path + ": there is no run 2");
}

TEST_F(History, BadLabelsAndTimesAreRefusedAndNothingIsStored) {
    const std::string path = file("h.db");
    HistoryDb db(path, HistoryDb::Access::write);
    RunFigures twice = sample_run("a", 1);
    twice.labels.emplace_back("rev", "b");
    EXPECT_THROW(db.record(twice), std::invalid_argument);
    RunFigures nameless = sample_run("a", 1);
    nameless.labels.emplace_back("", "b");
    EXPECT_THROW(db.record(nameless), std::invalid_argument);
    RunFigures badly_timed = sample_run("a", 1);
    badly_timed.recorded_at = "2026-12-02 03:00";
    EXPECT_THROW(db.record(badly_timed), std::invalid_argument);
    EXPECT_TRUE(db.runs().empty());
}

TEST_F(History, AFigureBeyondSqliteIntegersIsHeldAtTheLargest) {
    const std::string path = file("h.db");
    HistoryDb db(path, HistoryDb::Access::write);
    RunFigures figures = sample_run("a", UINT64_MAX);
    const RunFigures loaded = db.load(db.record(figures));
    EXPECT_EQ(loaded.total(RunFigure::peak_bytes), static_cast<std::uint64_t>(INT64_MAX));
}

TEST_F(History, ReadAccessWritesNothing) {
    const std::string path = file("h.db");
    { HistoryDb db(path, HistoryDb::Access::write); }
    HistoryDb reader(path, HistoryDb::Access::read);
    EXPECT_NE(error_of([&] { reader.record(sample_run("a", 1)); }).find("readonly"),
              std::string::npos);
}

// Two processes record 50 runs each into one file that does not exist yet, each opening it
// anew for every run as separate nightly jobs would: every run is kept, and the file is
// sound.
TEST_F(History, TwoConcurrentWritersLoseNothing) {
    const std::string path = file("h.db");
    constexpr int kRunsEach = 50;
    pid_t writers[2];
    for (int writer = 0; writer < 2; ++writer) {
        writers[writer] = ::fork();
        ASSERT_GE(writers[writer], 0);
        if (writers[writer] == 0) {
            int status = 0;
            try {
                for (int i = 0; i < kRunsEach; ++i) {
                    RunFigures figures = sample_run(std::to_string(i), i);
                    figures.labels.emplace_back("writer", writer == 0 ? "A" : "B");
                    HistoryDb(path, HistoryDb::Access::write).record(figures);
                }
            } catch (const std::exception& error) {
                std::fprintf(stderr, "writer %d: %s\n", writer, error.what());
                status = 1;
            }
            std::fflush(stderr);
            ::_exit(status);
        }
    }
    for (pid_t writer : writers) {
        int status = 0;
        ASSERT_EQ(::waitpid(writer, &status, 0), writer);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a writer failed";
    }
    HistoryDb db(path, HistoryDb::Access::read);
    EXPECT_EQ(db.runs().size(), 2u * kRunsEach);
    EXPECT_EQ(db.runs({{"writer", "A"}}).size(), static_cast<std::size_t>(kRunsEach));
    EXPECT_EQ(db.runs({{"writer", "B"}}).size(), static_cast<std::size_t>(kRunsEach));
    EXPECT_EQ(sql_value(path, "SELECT count(*) FROM sites"), std::to_string(4 * kRunsEach));
    EXPECT_EQ(sql_value(path, "PRAGMA quick_check"), "ok");
}

}  // namespace history_db_tests
}  // namespace memattr
