// The database: one writer thread that owns the only read-write connection, and a small
// pool of reader threads with read-only connections. Callers hand work to either and are
// called back on that thread; no SQLite call ever runs on a thread that serves sockets.
//
// Writes are group-committed: the writer takes every command queued at that moment into
// one BEGIN IMMEDIATE ... COMMIT, each command in its own SAVEPOINT so that a failing
// command rejects only itself, and calls the callers back only after the COMMIT is on
// disk (synchronous=FULL). Because a single thread decides every write, two commands can
// never both take the last seat.
#pragma once

#include <chrono>
#include <condition_variable>
#include <optional>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "domain/changes.hpp"
#include "storage/sqlite.hpp"
#include "util/unavailable.hpp"

struct sqlite3;

namespace congress::storage {

// What a committed batch changed (domain/changes.hpp): for cache invalidation, live pushes
// and, later, the mail outbox.
using ChangeSet = domain::Changes;

// Whether writes succeed: degraded from the first write that fails for a fault outside
// the request (disk full, read-only file, lock held by another process) until the next
// write that commits.
struct WriteHealth {
    bool ok = true;
    StorageUnavailable::Cause cause = StorageUnavailable::Cause::busy;  // when !ok
    std::string detail;  // SQLite's message, for the operator
    std::chrono::system_clock::time_point since{};
};

// The fault a failed SQLite call stands for, if it is one: SQLITE_FULL (or an I/O error
// with ENOSPC/EDQUOT), SQLITE_READONLY (or EROFS), SQLITE_BUSY and SQLITE_LOCKED.
std::optional<StorageUnavailable::Cause> classify_fault(int code, int system_errno);

struct DatabaseOptions {
    std::string path;
    int readers = 2;
    bool apply_migrations = true;
    // Upper bound on the commands folded into one transaction.
    std::size_t max_batch = 512;
    // WAL size (in pages) at which a checkpoint is started on the checkpoint thread, as
    // SQLite's wal_autocheckpoint would on the writer (1000 is SQLite's default).
    int checkpoint_pages = 1000;
};

class Database {
public:
    // Runs inside the command's SAVEPOINT on the writer thread. Throwing rejects this
    // command only (its changes are rolled back); other commands in the batch commit.
    using WriteFn = std::function<void(Connection&, ChangeSet&)>;
    // Called after the COMMIT (error == nullptr) or the rejection: on the writer thread, or
    // where the completion runner (below) runs it.
    using WriteDone = std::function<void(std::exception_ptr error)>;
    // Runs in a read transaction (a consistent snapshot) on a reader thread.
    using ReadFn = std::function<void(Connection&)>;
    // Gets the writer connection, outside any transaction, to read what the commit changed.
    using CommitListener = std::function<void(Connection&, const ChangeSet&)>;
    // Takes one batch's callbacks, as a single job, to run elsewhere (the server hands them
    // to its network threads with one post, rather than one wake-up per command).
    using CompletionRunner = std::function<void(std::function<void()> callbacks)>;

    // Opens (creating if needed) the database, applies pending migrations and starts the
    // threads. Throws SqliteError or SchemaTooNew.
    explicit Database(DatabaseOptions options);
    // Finishes every queued command and read and stops the threads; later writes and reads
    // are not run. Call it before destroying what the commit listener uses.
    void close();
    // close(), then the connections close.
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void write(WriteFn fn, WriteDone done);
    void read(ReadFn fn);

    // Called on the writer thread after each commit that changed something, before the
    // commands' own callbacks, so that caches are fresh when a caller gets its answer.
    // Set it before the first write.
    void set_commit_listener(CommitListener listener);
    // Where the callbacks of each committed batch run: by default (or once reset with an
    // empty runner) on the writer thread, one after another. Thread-safe; the server
    // resets it when its network threads stop, so that later callbacks still run.
    void set_completion_runner(CompletionRunner runner);

    const std::string& path() const { return options_.path; }

    // Thread-safe. A write that fails with a fault gives its caller StorageUnavailable
    // (and rolls back) and makes this degraded; the next commit makes it ok again.
    WriteHealth write_health() const;
    // While degraded: queues one tiny real write (the database header's user_version,
    // rewritten unchanged), at most once a second, so that health turns ok again when
    // the fault clears even if nobody writes.
    void probe_writes();

    // Number of transactions committed by the writer (for tests and benchmarks).
    std::uint64_t commits() const;
    // Number of checkpoints run by the checkpoint thread (for tests).
    std::uint64_t checkpoints() const;

private:
    struct WriteCommand {
        WriteFn fn;
        WriteDone done;
    };

    void writer_loop();
    // Indexes a round of registrations noted for the search index; true when more remain.
    bool index_search_round();
    // Rows per round: about 8 ms of work, the longest a command arriving meanwhile waits.
    static constexpr std::int64_t search_round_rows = 1000;
    // The writer indexes once no command has come for this long...
    static constexpr std::chrono::milliseconds search_quiet{50};
    // ...or, under a rush, a round after each commit while this many or more wait.
    static constexpr std::int64_t search_backlog_rows = 500000;
    void run_batch(std::vector<WriteCommand>& batch);
    // The fault behind `error` (a SqliteError), if any, as the exception callers get.
    std::exception_ptr as_fault(std::exception_ptr error, std::optional<StorageUnavailable::Cause>& cause);
    void record_health(std::optional<StorageUnavailable::Cause> fault, const std::string& detail);
    void checkpoint_loop();
    static int on_wal_commit(void* self, sqlite3* db, const char* schema, int pages);

    DatabaseOptions options_;
    Connection writer_;
    CommitListener commit_listener_;
    std::mutex runner_mutex_;
    CompletionRunner completion_runner_;

    mutable std::mutex write_mutex_;
    std::condition_variable write_ready_;
    std::deque<WriteCommand> write_queue_;
    bool stopping_ = false;
    std::uint64_t commits_ = 0;

    bool search_index_ = false;  // the schema has the registrations' search index
    bool wrote_pages_ = false;  // the writer's last COMMIT wrote pages (writer thread only)
    mutable std::mutex health_mutex_;
    WriteHealth health_;
    std::uint64_t failed_while_degraded_ = 0;
    std::chrono::steady_clock::time_point last_probe_{};

    std::mutex read_mutex_;
    std::condition_variable read_ready_;
    std::deque<ReadFn> read_queue_;
    bool readers_stopping_ = false;
    bool closed_ = false;

    // Checkpoints copy committed WAL pages into the database file. SQLite runs them on
    // the connection that commits, where each one held up the writer (and every caller
    // queued behind it) for two fsyncs and the copying: 24 ms on average, 64 ms at worst,
    // every 15 commits or so under load. This thread runs them on its own connection.
    Connection checkpointer_;
    mutable std::mutex checkpoint_mutex_;
    std::condition_variable checkpoint_wanted_;
    bool checkpoint_requested_ = false;
    bool checkpoint_stopping_ = false;
    std::uint64_t checkpoints_ = 0;

    std::thread writer_thread_;
    std::thread checkpoint_thread_;
    std::vector<std::thread> reader_threads_;
};

// Pragmas every connection to a Congress database uses.
void configure_writer(Connection& conn);
void configure_reader(Connection& conn);

}  // namespace congress::storage
