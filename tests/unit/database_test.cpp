#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include <cerrno>
#include <stdexcept>

#include "storage/database.hpp"
#include "temp_dir.hpp"

using namespace congress::storage;
using congress::testing::TempDir;

namespace {

std::string pragma(Connection& conn, const char* name) {
    auto stmt = conn.prepare(std::string("PRAGMA ") + name);
    stmt.step();
    return stmt.text(0);
}

// Runs a write and waits for its answer.
std::exception_ptr write_and_wait(Database& db, Database::WriteFn fn) {
    std::promise<std::exception_ptr> done;
    db.write(std::move(fn), [&done](std::exception_ptr e) { done.set_value(e); });
    return done.get_future().get();
}

int count_organisations(Database& db) {
    std::promise<int> result;
    db.read([&result](Connection& conn) {
        auto stmt = conn.prepare("SELECT count(*) FROM organisations");
        stmt.step();
        result.set_value(stmt.int32(0));
    });
    return result.get_future().get();
}

}  // namespace

TEST(DatabaseTest, UsesWalWithFullSyncAndForeignKeys) {
    TempDir dir;
    Database db(DatabaseOptions{dir.file("c.db"), 1, true});
    Connection check(dir.file("c.db"), OpenMode::read_write_create);
    EXPECT_EQ(pragma(check, "journal_mode"), "wal");
    std::promise<std::pair<std::string, std::string>> settings;
    db.write([&settings](Connection& conn, ChangeSet&) {
                 settings.set_value({pragma(conn, "synchronous"), pragma(conn, "foreign_keys")});
             },
             nullptr);
    const auto [synchronous, foreign_keys] = settings.get_future().get();
    EXPECT_EQ(synchronous, "2");  // FULL
    EXPECT_EQ(foreign_keys, "1");
}

TEST(DatabaseTest, ACommittedWriteIsVisibleToReadersWhenTheCallerIsAnswered) {
    TempDir dir;
    Database db(DatabaseOptions{dir.file("c.db"), 2, true});
    const auto error = write_and_wait(db, [](Connection& conn, ChangeSet&) {
        conn.exec("INSERT INTO organisations (name) VALUES ('Barcelona')");
    });
    EXPECT_FALSE(error);
    EXPECT_EQ(count_organisations(db), 1);
}

TEST(DatabaseTest, ReadConnectionsCannotWrite) {
    TempDir dir;
    Database db(DatabaseOptions{dir.file("c.db"), 1, true});
    std::promise<bool> refused;
    db.read([&refused](Connection& conn) {
        try {
            conn.exec("INSERT INTO organisations (name) VALUES ('x')");
            refused.set_value(false);
        } catch (const SqliteError&) {
            refused.set_value(true);
        }
    });
    EXPECT_TRUE(refused.get_future().get());
}

TEST(DatabaseTest, AFailingCommandRejectsOnlyItselfInAGroupCommit) {
    TempDir dir;
    Database db(DatabaseOptions{dir.file("c.db"), 1, true});
    // Hold the writer busy so that the next commands queue up and share one transaction.
    std::promise<void> release;
    auto released = release.get_future().share();
    db.write([released](Connection&, ChangeSet&) { released.wait(); }, nullptr);

    std::vector<std::future<std::exception_ptr>> answers;
    std::vector<std::shared_ptr<std::promise<std::exception_ptr>>> promises;
    for (int i = 0; i < 10; ++i) {
        auto p = std::make_shared<std::promise<std::exception_ptr>>();
        answers.push_back(p->get_future());
        promises.push_back(p);
        db.write(
            [i](Connection& conn, ChangeSet&) {
                conn.exec("INSERT INTO organisations (name) VALUES ('city " + std::to_string(i) + "')");
                if (i == 4) throw std::runtime_error("rejected");
            },
            [p](std::exception_ptr e) { p->set_value(e); });
    }
    const auto commits_before = db.commits();
    release.set_value();
    int failures = 0;
    for (auto& answer : answers)
        if (answer.get()) ++failures;
    EXPECT_EQ(failures, 1);
    EXPECT_EQ(count_organisations(db), 9);
    // The ten commands went into far fewer transactions than ten.
    EXPECT_LE(db.commits() - commits_before, 2u);
}

TEST(DatabaseTest, CommitListenerSeesChangesBeforeCallersAreAnswered) {
    TempDir dir;
    Database db(DatabaseOptions{dir.file("c.db"), 1, true});
    std::atomic<bool> listener_ran{false};
    db.set_commit_listener([&listener_ran](Connection&, const ChangeSet& changes) {
        if (changes.events.count(42)) listener_ran = true;
    });
    std::promise<bool> seen_in_callback;
    db.write([](Connection&, ChangeSet& changes) { changes.events.insert(42); },
             [&](std::exception_ptr) { seen_in_callback.set_value(listener_ran.load()); });
    EXPECT_TRUE(seen_in_callback.get_future().get());
}

TEST(DatabaseTest, ACompletionRunnerGetsEachBatchsCallbacksAsOneJobAfterTheCommit) {
    TempDir dir;
    Database db(DatabaseOptions{dir.file("c.db"), 1, true});
    // The runner keeps the jobs; the test runs them, as the server's network threads would.
    std::mutex jobs_mutex;
    std::vector<std::function<void()>> jobs;
    db.set_completion_runner([&](std::function<void()> job) {
        std::lock_guard lock(jobs_mutex);
        jobs.push_back(std::move(job));
    });
    std::promise<void> release;
    auto released = release.get_future().share();
    db.write([released](Connection&, ChangeSet&) { released.wait(); }, nullptr);
    std::atomic<int> answered{0};
    std::atomic<int> failed{0};
    std::atomic<int> rows_seen_when_answered{-1};
    for (int i = 0; i < 8; ++i)
        db.write(
            [i](Connection& conn, ChangeSet&) {
                conn.exec("INSERT INTO organisations (name) VALUES ('city " + std::to_string(i) + "')");
                if (i == 3) throw std::runtime_error("rejected");
            },
            [&](std::exception_ptr e) {
                if (e) ++failed;
                ++answered;
            });
    release.set_value();
    // Nothing is answered on the writer: the callbacks wait in the runner's jobs.
    for (int tries = 0; tries < 500 && db.commits() < 2; ++tries) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::size_t job_count = 0;
    for (int tries = 0; tries < 500; ++tries) {
        {
            std::lock_guard lock(jobs_mutex);
            job_count = jobs.size();
        }
        if (job_count > 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_GE(job_count, 1u);
    EXPECT_EQ(answered.load(), 0);
    // The rows are committed before any caller is answered.
    EXPECT_EQ(count_organisations(db), 7);
    {
        std::lock_guard lock(jobs_mutex);
        // Eight commands queued behind one busy command: at most two batches, so two jobs.
        EXPECT_LE(jobs.size(), 2u);
        for (auto& job : jobs) job();
        jobs.clear();
    }
    EXPECT_EQ(answered.load(), 8);
    EXPECT_EQ(failed.load(), 1);

    // Reset: callbacks run on the writer again.
    db.set_completion_runner({});
    EXPECT_EQ(write_and_wait(db, [](Connection& conn, ChangeSet&) { conn.exec("INSERT INTO organisations (name) VALUES ('y')"); }),
              nullptr);
    std::lock_guard lock(jobs_mutex);
    EXPECT_TRUE(jobs.empty());
}

TEST(DatabaseTest, ShutdownFinishesQueuedWrites) {
    TempDir dir;
    std::atomic<int> answered{0};
    {
        Database db(DatabaseOptions{dir.file("c.db"), 1, true});
        for (int i = 0; i < 50; ++i)
            db.write([](Connection& conn, ChangeSet&) { conn.exec("INSERT INTO organisations (name) VALUES ('x')"); },
                     [&answered](std::exception_ptr e) {
                         if (!e) ++answered;
                     });
    }
    EXPECT_EQ(answered.load(), 50);
    Connection check(dir.file("c.db"), OpenMode::read_only);
    auto stmt = check.prepare("SELECT count(*) FROM organisations");
    stmt.step();
    EXPECT_EQ(stmt.int32(0), 50);
}

TEST(DatabaseTest, CheckpointsRunOnTheirOwnThreadAndKeepTheWalSmall) {
    TempDir dir;
    // Without the schema: its migrations alone fill a WAL of about the size this test bounds.
    DatabaseOptions options{dir.file("c.db"), 1, false};
    options.checkpoint_pages = 20;
    Database db(options);
    const auto wal_pages = [&] {
        std::error_code ec;
        const auto bytes = std::filesystem::file_size(dir.file("c.db-wal"), ec);
        return ec ? 0 : static_cast<int>(bytes / 4096);
    };
    ASSERT_FALSE(write_and_wait(db, [](Connection& conn, ChangeSet&) { conn.exec("CREATE TABLE blobs (b BLOB)"); }));
    int most = 0;
    for (int i = 0; i < 200; ++i) {
        const auto error =
            write_and_wait(db, [](Connection& conn, ChangeSet&) { conn.exec("INSERT INTO blobs VALUES (randomblob(3000))"); });
        ASSERT_FALSE(error);
        most = std::max(most, wal_pages());
    }
    for (int i = 0; i < 200 && db.checkpoints() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_GT(db.checkpoints(), 0u);
    // 200 transactions of a page or more each: without checkpoints the WAL would hold them
    // all (200 pages at least); with them it is reused once copied. (How far below that it
    // stays depends on when the checkpoint thread gets a core: on a loaded machine a
    // checkpoint in progress can make the writer's own fallback wait, so no tighter bound.)
    EXPECT_LT(most, 200);
    std::promise<int> rows;
    db.read([&rows](Connection& conn) {
        auto stmt = conn.prepare("SELECT count(*) FROM blobs");
        stmt.step();
        rows.set_value(stmt.int32(0));
    });
    EXPECT_EQ(rows.get_future().get(), 200);
}

TEST(DatabaseTest, SqliteFaultsAreClassified) {
    using Cause = congress::StorageUnavailable::Cause;
    EXPECT_EQ(classify_fault(SQLITE_FULL, 0), Cause::full);
    EXPECT_EQ(classify_fault(SQLITE_IOERR_WRITE, ENOSPC), Cause::full);
    EXPECT_EQ(classify_fault(SQLITE_READONLY, 0), Cause::read_only);
    EXPECT_EQ(classify_fault(SQLITE_READONLY_DBMOVED, 0), Cause::read_only);
    EXPECT_EQ(classify_fault(SQLITE_IOERR_WRITE, EROFS), Cause::read_only);
    EXPECT_EQ(classify_fault(SQLITE_BUSY, 0), Cause::busy);
    EXPECT_EQ(classify_fault(SQLITE_BUSY_SNAPSHOT, 0), Cause::busy);
    // Bugs and refusals are not faults.
    EXPECT_EQ(classify_fault(SQLITE_CONSTRAINT_UNIQUE, 0), std::nullopt);
    EXPECT_EQ(classify_fault(SQLITE_ERROR, 0), std::nullopt);
    EXPECT_EQ(classify_fault(SQLITE_IOERR_WRITE, EIO), std::nullopt);
}

TEST(DatabaseTest, AFaultIsGivenToTheCallerAsStorageUnavailableAndHealthRecovers) {
    TempDir dir;
    Database db(DatabaseOptions{dir.file("c.db"), 1, true});
    EXPECT_TRUE(db.write_health().ok);
    // What SQLite throws when the disk fills up mid-write.
    const auto error = write_and_wait(db, [](Connection& conn, ChangeSet&) {
        conn.exec("INSERT INTO organisations (name) VALUES ('Lost')");
        throw SqliteError(SQLITE_FULL, "database or disk is full");
    });
    ASSERT_TRUE(error);
    try {
        std::rethrow_exception(error);
    } catch (const congress::StorageUnavailable& e) {
        EXPECT_EQ(std::string(e.code()), "storage_full");
    } catch (...) {
        ADD_FAILURE() << "not StorageUnavailable";
    }
    const auto health = db.write_health();
    EXPECT_FALSE(health.ok);
    EXPECT_EQ(health.cause, congress::StorageUnavailable::Cause::full);
    EXPECT_EQ(count_organisations(db), 0);
    // A refusal of the request itself is no fault and leaves health alone.
    const auto refusal = write_and_wait(db, [](Connection&, ChangeSet&) { throw std::runtime_error("no"); });
    ASSERT_TRUE(refusal);
    EXPECT_FALSE(db.write_health().ok);
    // The probe is a real write: it commits, and health is ok again.
    db.probe_writes();
    for (int i = 0; i < 200 && !db.write_health().ok; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(db.write_health().ok);
}
