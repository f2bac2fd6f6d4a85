#include <gtest/gtest.h>

#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "temp_dir.hpp"

using namespace congress::storage;
using congress::testing::TempDir;

namespace {

int count(Connection& conn, const std::string& sql) {
    auto stmt = conn.prepare(sql);
    stmt.step();
    return stmt.int32(0);
}

constexpr Migration first_two[] = {
    {1, "create_a", "CREATE TABLE a (id INTEGER PRIMARY KEY);"},
    {2, "create_b", "CREATE TABLE b (id INTEGER PRIMARY KEY);"},
};

}  // namespace

TEST(MigrationsTest, ANewDatabaseGetsEveryMigrationInOrderAndRecordsThem) {
    TempDir dir;
    Connection conn(dir.file("c.db"), OpenMode::read_write_create);
    EXPECT_EQ(current_version(conn), 0);
    EXPECT_EQ(migrate(conn, builtin_migrations()), static_cast<int>(builtin_migrations().size()));
    EXPECT_EQ(current_version(conn), latest_version(builtin_migrations()));
    EXPECT_EQ(count(conn, "SELECT count(*) FROM schema_migrations"), static_cast<int>(builtin_migrations().size()));
    EXPECT_EQ(count(conn, "SELECT count(*) FROM sqlite_schema WHERE name = 'events'"), 1);
}

TEST(MigrationsTest, RunningTwiceAppliesNothingTheSecondTime) {
    TempDir dir;
    Connection conn(dir.file("c.db"), OpenMode::read_write_create);
    migrate(conn, builtin_migrations());
    EXPECT_EQ(migrate(conn, builtin_migrations()), 0);
}

TEST(MigrationsTest, OnlyTheMissingMigrationsAreApplied) {
    TempDir dir;
    Connection conn(dir.file("c.db"), OpenMode::read_write_create);
    EXPECT_EQ(migrate(conn, std::span(first_two, 1)), 1);
    EXPECT_EQ(migrate(conn, std::span(first_two, 2)), 1);
    EXPECT_EQ(current_version(conn), 2);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM sqlite_schema WHERE name IN ('a', 'b')"), 2);
}

TEST(MigrationsTest, ADatabaseNewerThanTheBinaryIsRefusedAndLeftUntouched) {
    TempDir dir;
    Connection conn(dir.file("c.db"), OpenMode::read_write_create);
    migrate(conn, std::span(first_two, 2));
    EXPECT_THROW(migrate(conn, std::span(first_two, 1)), SchemaTooNew);
    EXPECT_EQ(current_version(conn), 2);
}

TEST(MigrationsTest, AFailingMigrationLeavesNoTraceOfItself) {
    TempDir dir;
    Connection conn(dir.file("c.db"), OpenMode::read_write_create);
    constexpr Migration broken[] = {
        {1, "ok", "CREATE TABLE a (id INTEGER PRIMARY KEY);"},
        {2, "broken", "CREATE TABLE b (id INTEGER PRIMARY KEY); THIS IS NOT SQL;"},
    };
    EXPECT_THROW(migrate(conn, broken), SqliteError);
    EXPECT_EQ(current_version(conn), 1);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), 0);
}

TEST(MigrationsTest, DatabaseStartupRefusesANewerSchema) {
    TempDir dir;
    {
        Connection conn(dir.file("c.db"), OpenMode::read_write_create);
        migrate(conn, builtin_migrations());
        conn.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')");
    }
    EXPECT_THROW(Database(DatabaseOptions{dir.file("c.db"), 1, true}), SchemaTooNew);
}
