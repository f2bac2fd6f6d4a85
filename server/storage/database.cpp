#include "storage/database.hpp"

#include <sqlite3.h>

#include <cerrno>

#include "storage/migrations.hpp"
#include "storage/search_index.hpp"
#include "util/log.hpp"

namespace congress::storage {

std::optional<StorageUnavailable::Cause> classify_fault(int code, int system_errno) {
    using Cause = StorageUnavailable::Cause;
    switch (code & 0xff) {
        case SQLITE_FULL: return Cause::full;
        case SQLITE_READONLY: return Cause::read_only;
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return Cause::busy;
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
            if (system_errno == ENOSPC || system_errno == EDQUOT) return Cause::full;
            if (system_errno == EROFS || system_errno == EACCES || system_errno == EPERM) return Cause::read_only;
            return std::nullopt;
        default: return std::nullopt;
    }
}

void configure_writer(Connection& conn) {
    conn.exec("PRAGMA journal_mode = WAL");
    // FULL: the WAL is synced at every commit, so a commit survives a power cut.
    conn.exec("PRAGMA synchronous = FULL");
    conn.exec("PRAGMA foreign_keys = ON");
    // The writer touches pages all over the indexes (registration codes are random): with
    // SQLite's default 2 MiB cache it soon rereads them from the file for every batch.
    // 64 MiB is a ceiling, not an allocation; it holds the indexes of a few hundred
    // thousand registrations.
    conn.exec("PRAGMA cache_size = -65536");
    // Every command runs in its own SAVEPOINT, whose journal keeps the pages the command
    // changes. SQLite spills that journal to a temporary file past 64 KiB, and a command that
    // touches a few indexes passes that: a write and a read of the file per page (it made
    // registering half as fast). In memory it is a copy, freed when the savepoint is released.
    conn.exec("PRAGMA temp_store = MEMORY");
}

void configure_reader(Connection& conn) {
    conn.exec("PRAGMA query_only = ON");
    conn.exec("PRAGMA foreign_keys = ON");
}

Database::Database(DatabaseOptions options)
    : options_(std::move(options)),
      writer_(options_.path, OpenMode::read_write_create),
      checkpointer_(options_.path, OpenMode::read_write_create) {
    configure_writer(writer_);
    if (options_.apply_migrations) migrate(writer_, builtin_migrations());
    else ensure_not_newer(writer_, builtin_migrations());
    // FULL here too: the checkpoint syncs the WAL before copying it and the database file
    // before the WAL may be reused. Asking for WAL mode also makes this connection open the
    // WAL now; a connection that has not read the database yet would checkpoint nothing.
    checkpointer_.exec("PRAGMA synchronous = FULL");
    checkpointer_.exec("PRAGMA journal_mode = WAL");
    search_index_ = has_search_index(writer_);
    // Replaces SQLite's automatic checkpoint on the writer (it is itself a WAL hook).
    sqlite3_wal_hook(writer_.handle(), &Database::on_wal_commit, this);

    // Open every reader before starting threads so that a failure throws here.
    std::vector<Connection> readers;
    for (int i = 0; i < std::max(1, options_.readers); ++i) {
        readers.emplace_back(options_.path, OpenMode::read_only);
        configure_reader(readers.back());
    }
    writer_thread_ = std::thread([this] { writer_loop(); });
    checkpoint_thread_ = std::thread([this] { checkpoint_loop(); });
    for (std::size_t i = 0; i < readers.size(); ++i) {
        reader_threads_.emplace_back([this, conn = std::make_shared<Connection>(std::move(readers[i]))] {
            for (;;) {
                ReadFn fn;
                {
                    std::unique_lock lock(read_mutex_);
                    read_ready_.wait(lock, [this] { return readers_stopping_ || !read_queue_.empty(); });
                    if (read_queue_.empty()) return;
                    fn = std::move(read_queue_.front());
                    read_queue_.pop_front();
                }
                try {
                    Transaction tx(*conn, Transaction::Kind::deferred);
                    fn(*conn);
                    tx.commit();
                } catch (const std::exception& e) {
                    // ReadFn reports its own errors to its caller; this is a last resort.
                    log::error("db", std::string("read job failed: ") + e.what());
                }
            }
        });
    }
}

Database::~Database() { close(); }

void Database::close() {
    if (closed_) return;
    closed_ = true;
    {
        std::lock_guard lock(write_mutex_);
        stopping_ = true;
    }
    write_ready_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
    {
        std::lock_guard lock(checkpoint_mutex_);
        checkpoint_stopping_ = true;
    }
    checkpoint_wanted_.notify_all();
    if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
    {
        std::lock_guard lock(read_mutex_);
        readers_stopping_ = true;
    }
    read_ready_.notify_all();
    for (auto& t : reader_threads_) t.join();
}

void Database::set_commit_listener(CommitListener listener) { commit_listener_ = std::move(listener); }

void Database::set_completion_runner(CompletionRunner runner) {
    std::lock_guard lock(runner_mutex_);
    completion_runner_ = std::move(runner);
}

void Database::write(WriteFn fn, WriteDone done) {
    {
        std::lock_guard lock(write_mutex_);
        write_queue_.push_back(WriteCommand{std::move(fn), std::move(done)});
    }
    write_ready_.notify_one();
}

void Database::read(ReadFn fn) {
    {
        std::lock_guard lock(read_mutex_);
        read_queue_.push_back(std::move(fn));
    }
    read_ready_.notify_one();
}

std::uint64_t Database::commits() const {
    std::lock_guard lock(write_mutex_);
    return commits_;
}

std::uint64_t Database::checkpoints() const {
    std::lock_guard lock(checkpoint_mutex_);
    return checkpoints_;
}

// Called by SQLite on the writer thread after each commit, with the WAL's size in pages.
int Database::on_wal_commit(void* self, sqlite3* db, const char*, int pages) {
    auto& database = *static_cast<Database*>(self);
    database.wrote_pages_ = true;  // on the writer thread, during its COMMIT
    const int threshold = database.options_.checkpoint_pages;
    if (threshold <= 0 || pages < threshold) return SQLITE_OK;
    if (pages >= 8 * threshold) {
        // The checkpoint thread is not keeping up (or cannot run): do what SQLite would
        // have done here rather than let the WAL grow without bound.
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        return SQLITE_OK;
    }
    {
        std::lock_guard lock(database.checkpoint_mutex_);
        database.checkpoint_requested_ = true;
    }
    database.checkpoint_wanted_.notify_one();
    return SQLITE_OK;
}

void Database::checkpoint_loop() {
    for (;;) {
        {
            std::unique_lock lock(checkpoint_mutex_);
            checkpoint_wanted_.wait(lock, [this] { return checkpoint_stopping_ || checkpoint_requested_; });
            if (checkpoint_stopping_) return;  // closing the last connection checkpoints anyway
            checkpoint_requested_ = false;
        }
        // PASSIVE: copies what no reader still needs and never waits for the writer, which
        // goes on committing meanwhile. Once everything is copied the writer starts the WAL
        // over at its next transaction.
        const int rc = sqlite3_wal_checkpoint_v2(checkpointer_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                                 nullptr);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            log::error("db", std::string("checkpoint failed: ") + sqlite3_errmsg(checkpointer_.handle()));
        std::lock_guard lock(checkpoint_mutex_);
        ++checkpoints_;
    }
}

void Database::writer_loop() {
    std::vector<WriteCommand> batch;
    bool search_behind = search_index_;  // some registration may not be in the search index yet
    bool quiet = false;         // no command came for search_quiet: the writer has time
    for (;;) {
        {
            std::unique_lock lock(write_mutex_);
            const auto ready = [this] { return stopping_ || !write_queue_.empty(); };
            if (!search_behind) write_ready_.wait(lock, ready);
            else if (!quiet) quiet = !write_ready_.wait_for(lock, search_quiet, ready);
            if (write_queue_.empty() && stopping_) return;  // everything queued is done
            while (!write_queue_.empty() && batch.size() < options_.max_batch) {
                batch.push_back(std::move(write_queue_.front()));
                write_queue_.pop_front();
            }
        }
        if (batch.empty()) {
            // Quiet: index a round of noted registrations (a few milliseconds, so that a
            // command arriving meanwhile waits little), then look at the queue again.
            if (quiet) search_behind = index_search_round();
            continue;
        }
        quiet = false;
        run_batch(batch);
        batch.clear();
        if (!wrote_pages_ || !search_index_) continue;
        search_behind = true;
        // Under a long rush the writer is never quiet: a bounded backlog keeps the catch-up
        // of the first search after it short.
        bool long_backlog = false;
        try {
            long_backlog = search_backlog_at_least(writer_, search_backlog_rows);
        } catch (const std::exception& e) {
            log::debug("db", std::string("search backlog unknown: ") + e.what());
        }
        if (long_backlog) index_search_round();
    }
}

bool Database::index_search_round() {
    try {
        Transaction tx(writer_, Transaction::Kind::immediate);
        const bool more = index_pending_registrations(writer_, search_round_rows);
        tx.commit();
        return more;
    } catch (const std::exception& e) {
        // A fault (full disk...) is told by the writes that meet it; the next commit that
        // writes pages brings the indexing back.
        log::debug("db", std::string("search indexing put off: ") + e.what());
        return false;
    }
}

std::exception_ptr Database::as_fault(std::exception_ptr error, std::optional<StorageUnavailable::Cause>& cause) {
    try {
        std::rethrow_exception(error);
    } catch (const SqliteError& e) {
        if (const auto fault = classify_fault(e.code(), sqlite3_system_errno(writer_.handle()))) {
            if (!cause) cause = fault;
            return std::make_exception_ptr(StorageUnavailable(*fault, e.what()));
        }
    } catch (...) {
    }
    return error;
}

void Database::run_batch(std::vector<WriteCommand>& batch) {
    std::vector<std::exception_ptr> errors(batch.size());
    ChangeSet committed;
    // The first fault of this batch (a command's or the transaction's), if any.
    std::optional<StorageUnavailable::Cause> fault;
    std::string fault_detail;
    const auto note_fault = [&](std::exception_ptr& error) {
        const bool had = fault.has_value();
        error = as_fault(error, fault);
        if (!had && fault) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                fault_detail = e.what();
            }
        }
    };
    wrote_pages_ = false;
    bool committed_ok = false;
    try {
        Transaction tx(writer_, Transaction::Kind::immediate);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (sqlite3_get_autocommit(writer_.handle())) {
                // SQLite rolled the whole transaction back (e.g. disk full): nothing
                // after this point can commit.
                throw SqliteError(SQLITE_ABORT, "transaction rolled back by an earlier failure");
            }
            ChangeSet changes;
            try {
                Savepoint savepoint(writer_);
                batch[i].fn(writer_, changes);
                savepoint.release();
                committed.merge(changes);
            } catch (...) {
                errors[i] = std::current_exception();
                note_fault(errors[i]);
            }
        }
        tx.commit();
        committed_ok = true;
        std::lock_guard lock(write_mutex_);
        ++commits_;
    } catch (const std::exception& e) {
        auto failure = std::current_exception();
        note_fault(failure);
        // A fault seen by one command (SQLite then rolled everything back) is every
        // command's fault: none of them was written.
        if (fault) failure = std::make_exception_ptr(StorageUnavailable(*fault, fault_detail));
        else log::error("db", std::string("write transaction failed: ") + e.what());
        for (auto& error : errors)
            if (!error) error = failure;
        committed = ChangeSet{};
    }
    // Only a commit that wrote pages proves the disk takes writes again (a batch of refused
    // commands commits nothing).
    if (fault || (committed_ok && wrote_pages_)) record_health(fault, fault_detail);
    if (!committed.empty() && commit_listener_) {
        try {
            commit_listener_(writer_, committed);
        } catch (const std::exception& e) {
            log::error("db", std::string("commit listener failed: ") + e.what());
        }
    }
    // The callers hear back only now, after the commit (or the rejection).
    struct Completion {
        WriteDone done;
        std::exception_ptr error;
    };
    auto completions = std::make_shared<std::vector<Completion>>();
    completions->reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i)
        if (batch[i].done) completions->push_back(Completion{std::move(batch[i].done), std::move(errors[i])});
    if (completions->empty()) return;
    const std::function<void()> run_all = [completions] {
        for (auto& completion : *completions) {
            try {
                completion.done(completion.error);
            } catch (const std::exception& e) {
                log::error("db", std::string("write callback failed: ") + e.what());
            }
        }
    };
    CompletionRunner runner;
    {
        std::lock_guard lock(runner_mutex_);
        runner = completion_runner_;
    }
    if (runner) {
        try {
            runner(run_all);
            return;
        } catch (const std::exception& e) {
            // Not handed over (and so not run): run the callbacks here instead.
            log::error("db", std::string("completion runner failed: ") + e.what());
        }
    }
    run_all();
}

void Database::record_health(std::optional<StorageUnavailable::Cause> fault, const std::string& detail) {
    std::lock_guard lock(health_mutex_);
    if (!fault) {
        if (!health_.ok)
            log::warn("db", "writes succeed again (" + std::to_string(failed_while_degraded_) +
                                " batches failed while " + StorageUnavailable::code_of(health_.cause) + ")");
        health_ = WriteHealth{};
        failed_while_degraded_ = 0;
        return;
    }
    ++failed_while_degraded_;
    // Logged once per fault, not once per write: a full disk under load fails every batch.
    if (health_.ok || health_.cause != *fault) {
        log::error("db", std::string("writes fail (") + StorageUnavailable::code_of(*fault) + "): " + detail +
                             "; answering 503 until a write succeeds");
        health_.ok = false;
        health_.cause = *fault;
        health_.detail = detail;
        health_.since = std::chrono::system_clock::now();
    }
}

WriteHealth Database::write_health() const {
    std::lock_guard lock(health_mutex_);
    return health_;
}

void Database::probe_writes() {
    {
        std::lock_guard lock(health_mutex_);
        const auto now = std::chrono::steady_clock::now();
        if (health_.ok || now - last_probe_ < std::chrono::seconds(1)) return;
        last_probe_ = now;
    }
    write(
        [](Connection& conn, ChangeSet&) {
            // A real write of one page (the header), changing nothing.
            auto read = conn.prepare("PRAGMA user_version");
            const auto version = read.step() ? read.int64(0) : 0;
            conn.exec("PRAGMA user_version = " + std::to_string(version));
        },
        nullptr);
}

}  // namespace congress::storage
