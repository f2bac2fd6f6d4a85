#include "storage/migrations.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "domain/time.hpp"
#include "util/log.hpp"

namespace congress::storage {

namespace {

constexpr std::string_view create_migrations_table = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
))sql";

constexpr std::string_view select_current_version =
    "SELECT coalesce(max(version), 0) FROM schema_migrations";

constexpr std::string_view select_migrations_table_exists =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'";

constexpr std::string_view select_applied_versions = "SELECT version FROM schema_migrations";

constexpr std::string_view insert_migration =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)";

}  // namespace

int latest_version(std::span<const Migration> migrations) {
    int latest = 0;
    for (const auto& m : migrations) latest = std::max(latest, m.version);
    return latest;
}

int current_version(Connection& conn) {
    auto exists = conn.prepare(select_migrations_table_exists);
    exists.step();
    if (exists.int64(0) == 0) return 0;
    auto stmt = conn.prepare(select_current_version);
    stmt.step();
    return stmt.int32(0);
}

void ensure_not_newer(Connection& conn, std::span<const Migration> migrations) {
    const int current = current_version(conn);
    const int latest = latest_version(migrations);
    if (current > latest) {
        throw SchemaTooNew("the database schema is at version " + std::to_string(current) +
                           " but this congress binary only knows up to version " + std::to_string(latest) +
                           "; use a newer binary (refusing to start rather than risk the data)");
    }
}

int migrate(Connection& conn, std::span<const Migration> migrations) {
    ensure_not_newer(conn, migrations);
    conn.exec(create_migrations_table);
    // Every migration not recorded yet, not only those above the highest: a branch may
    // ship 0009 before 0008 is merged, and a database made then must still get 0008.
    std::set<int> done;
    {
        auto stmt = conn.prepare(select_applied_versions);
        while (stmt.step()) done.insert(stmt.int32(0));
    }
    int applied = 0;
    for (const auto& migration : migrations) {
        if (done.contains(migration.version)) continue;
        Transaction tx(conn, Transaction::Kind::immediate);
        conn.exec(migration.sql);
        conn.prepare(insert_migration)
            .bind(1, migration.version)
            .bind(2, migration.name)
            .bind(3, domain::format_utc(domain::now()))
            .run();
        tx.commit();
        ++applied;
        log::info("db", "applied migration " + std::to_string(migration.version) + " " +
                            std::string(migration.name));
    }
    return applied;
}

}  // namespace congress::storage
