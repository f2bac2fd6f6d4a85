#include <gtest/gtest.h>

#include <future>

#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using congress::testing::TempDir;

namespace {

domain::Instant utc(const char* text) { return domain::parse_utc(text).value(); }

int count(Connection& conn, const std::string& sql) {
    auto stmt = conn.prepare(sql);
    stmt.step();
    return stmt.int32(0);
}

struct AuditLog : ::testing::Test {
    TempDir dir;
    Connection conn{dir.file("c.db"), OpenMode::read_write_create};
    const domain::Principal ana{3, "ana@example.org", "Ana", {{domain::Role::organiser, 1}}};

    void SetUp() override {
        configure_writer(conn);
        migrate(conn, builtin_migrations());
    }

    domain::Id record(const std::string& action, std::optional<domain::Id> event, const char* at,
                      AuditActor actor = AuditActor::cli("root")) {
        return append_audit(conn, audit_entry(AuditContext{actor, std::string("because"), std::string("req-1")}, action,
                                              "session", 7, event, R"({"title":"Old"})", R"({"title":"New"})", utc(at)));
    }

    std::string sqlite_error(const std::string& sql) {
        try {
            conn.exec(sql);
        } catch (const SqliteError& e) {
            EXPECT_TRUE(e.is_constraint()) << e.what();
            return e.what();
        }
        return "accepted";
    }
};

}  // namespace

TEST_F(AuditLog, AnEntryIsStoredWithEverythingItSays) {
    const auto id = record("session.move", 1, "2027-03-01T08:00:00Z", AuditActor::staff(ana));
    const auto entries = list_audit(conn, AuditFilter{});
    ASSERT_EQ(entries.size(), 1u);
    const auto& e = entries[0];
    EXPECT_EQ(e.id, id);
    EXPECT_EQ(e.entry.at, utc("2027-03-01T08:00:00Z"));
    EXPECT_EQ(e.entry.actor_user_id, 3);
    EXPECT_EQ(e.entry.actor_label, "ana@example.org");
    EXPECT_EQ(e.entry.action, "session.move");
    EXPECT_EQ(e.entry.entity_type, "session");
    EXPECT_EQ(e.entry.entity_id, 7);
    EXPECT_EQ(e.entry.event_id, 1);
    EXPECT_EQ(e.entry.before_json, R"({"title":"Old"})");
    EXPECT_EQ(e.entry.after_json, R"({"title":"New"})");
    EXPECT_EQ(e.entry.reason, "because");
    EXPECT_EQ(e.entry.request_id, "req-1");
}

TEST_F(AuditLog, TheDatabaseRefusesToChangeOrDeleteAnEntry) {
    record("session.move", 1, "2027-03-01T08:00:00Z");
    EXPECT_NE(sqlite_error("UPDATE audit_log SET actor_label = 'someone else'").find("append-only"), std::string::npos);
    EXPECT_NE(sqlite_error("UPDATE audit_log SET after_json = NULL WHERE id = 1").find("append-only"), std::string::npos);
    EXPECT_NE(sqlite_error("DELETE FROM audit_log").find("append-only"), std::string::npos);
    EXPECT_NE(sqlite_error("DELETE FROM audit_log WHERE id = 1").find("append-only"), std::string::npos);
    // INSERT OR REPLACE on an existing id would be a delete in disguise.
    EXPECT_NE(sqlite_error("INSERT OR REPLACE INTO audit_log (id, at, actor_label, action, entity_type) "
                           "VALUES (1, 'x', 'x', 'x', 'x')").find("append-only"),
              std::string::npos);
    const auto entries = list_audit(conn, AuditFilter{});
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].entry.actor_label, "cli:root");
}

TEST_F(AuditLog, MalformedEntriesAreRefused) {
    auto entry = audit_entry(AuditContext{AuditActor::cli("root"), {}, {}}, "x.y", "thing", 1, std::nullopt,
                             std::nullopt, std::string("{not json"), utc("2027-03-01T08:00:00Z"));
    EXPECT_THROW(append_audit(conn, entry), SqliteError);
    entry.after_json.reset();
    entry.actor_label.clear();
    EXPECT_THROW(append_audit(conn, entry), SqliteError);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log"), 0);
}

TEST_F(AuditLog, FiltersNarrowTheListNewestFirst) {
    record("session.move", 1, "2027-03-01T08:00:00Z", AuditActor::staff(ana));
    record("session.cancel", 2, "2027-03-02T08:00:00Z");
    record("session.move", 1, "2027-03-03T08:00:00Z");
    append_audit(conn, audit_entry(AuditContext{AuditActor::staff(ana), {}, {}}, "staff_user.grant", "staff_user", 9,
                                   std::nullopt, std::nullopt, std::nullopt, utc("2027-03-04T08:00:00Z")));

    auto ids = [&](AuditFilter filter) {
        std::vector<domain::Id> out;
        for (const auto& r : list_audit(conn, filter)) out.push_back(r.id);
        return out;
    };
    EXPECT_EQ(ids({}), (std::vector<domain::Id>{4, 3, 2, 1}));
    AuditFilter by_event;
    by_event.event_id = 1;
    EXPECT_EQ(ids(by_event), (std::vector<domain::Id>{3, 1}));
    AuditFilter by_actor;
    by_actor.actor_user_id = 3;
    EXPECT_EQ(ids(by_actor), (std::vector<domain::Id>{4, 1}));
    AuditFilter by_entity;
    by_entity.entity_type = "staff_user";
    by_entity.entity_id = 9;
    EXPECT_EQ(ids(by_entity), (std::vector<domain::Id>{4}));
    AuditFilter by_action;
    by_action.action = "session.cancel";
    EXPECT_EQ(ids(by_action), (std::vector<domain::Id>{2}));
    AuditFilter since;
    since.since = utc("2027-03-02T08:00:00Z");
    EXPECT_EQ(ids(since), (std::vector<domain::Id>{4, 3, 2}));
    AuditFilter page;
    page.limit = 2;
    page.offset = 1;
    EXPECT_EQ(ids(page), (std::vector<domain::Id>{3, 2}));
    page.limit = -5;  // clamped to at least one
    page.offset = -1;
    EXPECT_EQ(ids(page), (std::vector<domain::Id>{4}));
}

TEST(AuditLogDatabaseTest, TheEntryCommitsOrRollsBackWithTheChangeItRecords) {
    TempDir dir;
    Database db(DatabaseOptions{dir.file("c.db"), 1, true});
    auto write = [&db](Database::WriteFn fn) {
        std::promise<std::exception_ptr> done;
        db.write(std::move(fn), [&done](std::exception_ptr e) { done.set_value(e); });
        return done.get_future().get();
    };
    const AuditContext context{AuditActor::cli("root"), {}, {}};
    auto change = [&](const char* name, bool fail) {
        return [&context, name, fail](Connection& conn, ChangeSet&) {
            conn.prepare("INSERT INTO organisations (name) VALUES (?1)").bind(1, name).run();
            append_audit(conn, audit_entry(context, "organisation.create", "organisation", conn.last_insert_rowid(),
                                           std::nullopt, std::nullopt, std::nullopt, domain::now()));
            if (fail) throw std::runtime_error("refused after the audit entry was written");
        };
    };
    EXPECT_FALSE(write(change("Kept", false)));
    EXPECT_TRUE(write(change("Rolled back", true)));

    std::promise<std::pair<int, int>> counts;
    db.read([&](Connection& conn) {
        counts.set_value({count(conn, "SELECT count(*) FROM organisations"), count(conn, "SELECT count(*) FROM audit_log")});
    });
    EXPECT_EQ(counts.get_future().get(), (std::pair<int, int>{1, 1}));
}
