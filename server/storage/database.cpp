#include "storage/database.hpp"

#include <sqlite3.h>

#include "storage/migrations.hpp"
#include "util/log.hpp"

namespace congress::storage {

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
    for (;;) {
        {
            std::unique_lock lock(write_mutex_);
            write_ready_.wait(lock, [this] { return stopping_ || !write_queue_.empty(); });
            if (write_queue_.empty()) return;  // stopping, and everything queued is done
            while (!write_queue_.empty() && batch.size() < options_.max_batch) {
                batch.push_back(std::move(write_queue_.front()));
                write_queue_.pop_front();
            }
        }
        run_batch(batch);
        batch.clear();
    }
}

void Database::run_batch(std::vector<WriteCommand>& batch) {
    std::vector<std::exception_ptr> errors(batch.size());
    ChangeSet committed;
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
            }
        }
        tx.commit();
        std::lock_guard lock(write_mutex_);
        ++commits_;
    } catch (const std::exception& e) {
        log::error("db", std::string("write transaction failed: ") + e.what());
        const auto failure = std::current_exception();
        for (auto& error : errors)
            if (!error) error = failure;
        committed = ChangeSet{};
    }
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

}  // namespace congress::storage
