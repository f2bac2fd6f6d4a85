#include "storage/sqlite.hpp"

#include <sqlite3.h>

namespace congress::storage {

namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view context) {
    std::string message(context);
    message += ": ";
    message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw SqliteError(db ? sqlite3_extended_errcode(db) : rc, message);
}

}  // namespace

bool SqliteError::is_constraint() const noexcept { return (code_ & 0xff) == SQLITE_CONSTRAINT; }

Connection::Connection(const std::string& path, OpenMode mode) {
    const int flags = mode == OpenMode::read_only
                          ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = "cannot open database " + path + ": " +
                              (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close(db_);
        db_ = nullptr;
        throw SqliteError(rc, message);
    }
    sqlite3_extended_result_codes(db_, 1);
    // Another process (a CLI command, a backup) may hold the write lock briefly.
    sqlite3_busy_timeout(db_, 5000);
    // See generation(): every commit, rollback and counted row write changes it.
    const auto bump = [](void* changes) {
        ++static_cast<Changes*>(changes)->epoch;
        return 0;  // for the commit hook: go ahead and commit
    };
    sqlite3_commit_hook(db_, bump, changes_.get());
    sqlite3_rollback_hook(db_, [](void* changes) { ++static_cast<Changes*>(changes)->epoch; }, changes_.get());
    sqlite3_update_hook(
        db_,
        [](void* changes, int, const char*, const char* table, sqlite3_int64) {
            for (auto& [name, rows] : static_cast<Changes*>(changes)->tables)
                if (name == table) ++rows;
        },
        changes_.get());
}

Connection::~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    if (db_) sqlite3_close_v2(db_);
}

Connection::Connection(Connection&& other) noexcept
    : db_(other.db_), cache_(std::move(other.cache_)), changes_(std::move(other.changes_)), memos_(std::move(other.memos_)) {
    other.db_ = nullptr;
    other.cache_.clear();
    other.memos_.clear();
}

bool Connection::in_write_transaction() const { return db_ && sqlite3_txn_state(db_, nullptr) == SQLITE_TXN_WRITE; }

std::uint64_t Connection::generation(std::string_view table) {
    for (const auto& [name, rows] : changes_->tables)
        if (name == table) return changes_->epoch + rows;
    changes_->tables.emplace_back(std::string(table), 0);
    return changes_->epoch;
}

void Connection::note_rollback() { ++changes_->epoch; }

void Connection::exec(std::string_view sql) {
    std::string owned(sql);
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw SqliteError(sqlite3_extended_errcode(db_), "exec: " + message);
    }
}

Statement Connection::prepare(std::string_view sql) { return Statement(db_, sql); }

Statement Connection::cached(std::string_view sql) {
    auto& stmt = cache_[sql.data()];
    if (!stmt) {
        const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                          nullptr);
        if (rc != SQLITE_OK) {
            stmt = nullptr;
            cache_.erase(sql.data());
            fail(db_, rc, "prepare");
        }
    }
    return Statement(db_, stmt);
}

std::int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int Connection::changes() const { return sqlite3_changes(db_); }

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, "prepare");
}

Statement::Statement(sqlite3* db, sqlite3_stmt* cached) : db_(db), stmt_(cached), owned_(false) {}

Statement::~Statement() {
    if (!stmt_) return;
    if (owned_) {
        sqlite3_finalize(stmt_);
    } else {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_), owned_(other.owned_) {
    other.stmt_ = nullptr;
}

Statement& Statement::bind(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    const int rc = sqlite3_bind_double(stmt_, index, value);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                       SQLITE_UTF8);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
}

Statement& Statement::bind_null(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, "step");
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return data ? std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size))
                : std::string();
}

std::optional<std::string> Statement::optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return text(column);
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
    if (is_null(column)) return std::nullopt;
    return int64(column);
}

Transaction::Transaction(Connection& conn, Kind kind) : conn_(conn) {
    conn_.exec(kind == Kind::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
    if (!done_) {
        try {
            conn_.exec("ROLLBACK");
        } catch (...) {
            // The transaction may already have been rolled back by SQLite itself.
        }
    }
}

void Transaction::commit() {
    conn_.exec("COMMIT");
    done_ = true;
}

namespace {
// Prepared once per connection (Connection::cached keys on these addresses).
constexpr std::string_view savepoint_begin = "SAVEPOINT command";
constexpr std::string_view savepoint_release = "RELEASE command";
constexpr std::string_view savepoint_rollback = "ROLLBACK TO command";
}  // namespace

Savepoint::Savepoint(Connection& conn) : conn_(conn) { conn_.cached(savepoint_begin).run(); }

Savepoint::~Savepoint() {
    if (!done_) {
        conn_.note_rollback();
        try {
            conn_.cached(savepoint_rollback).run();
            conn_.cached(savepoint_release).run();
        } catch (...) {
        }
    }
}

void Savepoint::release() {
    conn_.cached(savepoint_release).run();
    done_ = true;
}

}  // namespace congress::storage
