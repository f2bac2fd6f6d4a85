// Thin RAII layer over the SQLite C API: connections, prepared statements,
// transactions and savepoints. Everything here throws storage::SqliteError.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace congress::storage {

class SqliteError : public std::runtime_error {
public:
    SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const noexcept { return code_; }
    // True for constraint violations (CHECK, UNIQUE, FOREIGN KEY, trigger RAISE(ABORT)).
    bool is_constraint() const noexcept;

private:
    int code_;
};

enum class OpenMode { read_write_create, read_only };

class Statement;

class Connection {
public:
    Connection(const std::string& path, OpenMode mode);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&&) = delete;

    // Runs one or more statements without results (DDL, PRAGMA, BEGIN...).
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql);
    // A statement prepared once per connection and reused, keyed by the address of `sql`:
    // pass only SQL with static storage (the named constants of the storage layer). It is
    // reset when the returned Statement goes out of scope. Do not use the same SQL twice
    // at once (e.g. in a loop over its own rows).
    Statement cached(std::string_view sql);
    std::int64_t last_insert_rowid() const;
    int changes() const;
    sqlite3* handle() const noexcept { return db_; }
    // True while this connection holds a write transaction: nobody else can change the
    // database until it commits or rolls back.
    bool in_write_transaction() const;

    // For repositories that keep what they read for the rest of a write transaction (the
    // writer reads the same event for every registration of a batch). The number changes
    // whenever rows of `table` read earlier may no longer be what the database holds: at
    // every commit and rollback of a write transaction (another connection may write
    // before the next one), at every rollback to a savepoint, and whenever this connection
    // writes a row of `table` (including through triggers and foreign-key actions). Only
    // meaningful inside a write transaction (SQLite calls no hook when a read-only
    // transaction ends); writes are counted from the first call for that table. Rows are
    // counted by SQLite's update hook, which sees rowid tables only (not WITHOUT ROWID).
    std::uint64_t generation(std::string_view table);

    // Per-connection state a repository keeps between calls, created on first use and
    // destroyed with the connection.
    template <typename T>
    T& memo() {
        static const char key = 0;  // one address per T
        for (auto& [k, state] : memos_)
            if (k == &key) return *static_cast<T*>(state.get());
        memos_.emplace_back(&key, Memo(new T(), [](void* p) { delete static_cast<T*>(p); }));
        return *static_cast<T*>(memos_.back().second.get());
    }

    // Called by Savepoint: a rollback to a savepoint undoes writes the hooks counted.
    void note_rollback();

private:
    using Memo = std::unique_ptr<void, void (*)(void*)>;
    // On the heap: the SQLite hooks hold its address, which must survive a move.
    struct Changes {
        std::uint64_t epoch = 0;
        std::vector<std::pair<std::string, std::uint64_t>> tables;  // table, rows written
    };

    sqlite3* db_ = nullptr;
    std::unordered_map<const char*, sqlite3_stmt*> cache_;
    std::unique_ptr<Changes> changes_ = std::make_unique<Changes>();
    std::vector<std::pair<const char*, Memo>> memos_;
};

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    // Wraps a cached statement: reset, not finalized, on destruction.
    Statement(sqlite3* db, sqlite3_stmt* cached);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
    Statement& bind_null(int index);
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }

    // Advances to the next row; false when done.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    void reset();

    bool is_null(int column) const;
    std::int64_t int64(int column) const;
    int int32(int column) const { return static_cast<int>(int64(column)); }
    double real(int column) const;
    std::string text(int column) const;
    std::optional<std::string> optional_text(int column) const;
    std::optional<std::int64_t> optional_int64(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    bool owned_ = true;
};

// BEGIN IMMEDIATE (or DEFERRED for reads) ... COMMIT; rolls back in the destructor
// unless committed. Writers always use IMMEDIATE: a deferred transaction that reads
// and then writes can fail with SQLITE_BUSY regardless of the busy timeout.
class Transaction {
public:
    enum class Kind { immediate, deferred };
    Transaction(Connection& conn, Kind kind);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Connection& conn_;
    bool done_ = false;
};

// SAVEPOINT name ... RELEASE; rolls back to (and releases) the savepoint in the
// destructor unless released, leaving the enclosing transaction usable.
class Savepoint {
public:
    explicit Savepoint(Connection& conn);
    ~Savepoint();
    Savepoint(const Savepoint&) = delete;
    Savepoint& operator=(const Savepoint&) = delete;
    void release();

private:
    Connection& conn_;
    bool done_ = false;
};

}  // namespace congress::storage
