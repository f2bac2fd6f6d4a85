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

// 0009 (venues) may ship before 0008 (letters) is merged: a database made in between is
// at 9 without 8, and the binary that has both must still apply 8.
TEST(MigrationsTest, AGapLeftByALaterMergedNumberIsFilledAfterwards) {
    TempDir dir;
    Connection conn(dir.file("c.db"), OpenMode::read_write_create);
    constexpr Migration without_two[] = {
        {1, "create_a", "CREATE TABLE a (id INTEGER PRIMARY KEY);"},
        {3, "create_c", "CREATE TABLE c (id INTEGER PRIMARY KEY);"},
    };
    constexpr Migration all_three[] = {
        {1, "create_a", "CREATE TABLE a (id INTEGER PRIMARY KEY);"},
        {2, "create_b", "CREATE TABLE b (id INTEGER PRIMARY KEY);"},
        {3, "create_c", "CREATE TABLE c (id INTEGER PRIMARY KEY);"},
    };
    EXPECT_EQ(migrate(conn, without_two), 2);
    EXPECT_EQ(current_version(conn), 3);
    EXPECT_EQ(migrate(conn, all_three), 1);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM sqlite_schema WHERE name IN ('a', 'b', 'c')"), 3);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM schema_migrations"), 3);
    EXPECT_EQ(migrate(conn, all_three), 0);
}

TEST(MigrationsTest, VenueDetailsRefuseANonWebMapLinkAndEquipmentThatIsNotAList) {
    TempDir dir;
    Connection conn(dir.file("c.db"), OpenMode::read_write_create);
    migrate(conn, builtin_migrations());
    conn.exec("INSERT INTO venues (id, name, timezone) VALUES (1, 'HICC', 'Asia/Kolkata')");
    EXPECT_THROW(conn.exec("UPDATE venues SET map_url = 'javascript:alert(1)' WHERE id = 1"), SqliteError);
    conn.exec("UPDATE venues SET map_url = 'https://maps.example.org/hicc' WHERE id = 1");
    conn.exec("INSERT INTO rooms (id, venue_id, name, capacity) VALUES (1, 1, 'Hall 1', 800)");
    EXPECT_THROW(conn.exec("UPDATE rooms SET equipment = '\"projector\"' WHERE id = 1"), SqliteError);
    conn.exec("UPDATE rooms SET equipment = '[\"projector\"]', floor = '1' WHERE id = 1");
    EXPECT_THROW(conn.exec("INSERT INTO venue_notes (venue_id, lang) VALUES (1, 'de')"), SqliteError);
    conn.exec("INSERT INTO venue_notes (venue_id, lang, wifi) VALUES (1, 'fr', 'Réseau HICC-Guest')");
    EXPECT_EQ(count(conn, "SELECT count(*) FROM venue_notes"), 1);
}
