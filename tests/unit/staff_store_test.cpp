#include <gtest/gtest.h>

#include <future>

#include "auth/password.hpp"
#include "auth/tokens.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/staff_store.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using namespace std::chrono_literals;
using congress::domain::Role;
using congress::domain::RoleGrant;
using congress::testing::TempDir;

namespace {

domain::Instant utc(const char* text) { return domain::parse_utc(text).value(); }

int count(Connection& conn, const std::string& sql) {
    auto stmt = conn.prepare(sql);
    stmt.step();
    return stmt.int32(0);
}

// Two events, and the CLI as the actor. Hashes use small scrypt parameters: the store
// only keeps the string.
struct StaffStore : ::testing::Test {
    TempDir dir;
    Connection conn{dir.file("c.db"), OpenMode::read_write_create};
    const AuditContext cli{AuditActor::cli("root"), std::nullopt, std::nullopt};
    const domain::Instant t0 = utc("2027-03-01T08:00:00Z");
    const std::string hash = auth::hash_password("correct horse battery staple", auth::ScryptParams{10, 8, 1, 16, 32});
    domain::Id hyderabad = 0, barcelona = 0;

    void SetUp() override {
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        conn.exec(R"sql(
            INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity)
            VALUES ('hyderabad', 'Hyderabad', 'congress', 'Asia/Kolkata', '2027-10-07T03:30:00Z', '2027-10-10T12:00:00Z', 100),
                   ('barcelona', 'Barcelona', 'colloquium', 'Europe/Madrid', '2027-06-13T07:30:00Z', '2027-06-13T12:30:00Z', 20);
        )sql");
        hyderabad = 1;
        barcelona = 2;
    }

    StaffUser add(const std::string& email, std::vector<RoleGrant> grants = {}) {
        return create_staff_user(conn, NewStaffUser{email, "Someone", hash, std::move(grants)}, cli, t0);
    }

    std::string refusal(const std::function<void()>& f) {
        try {
            f();
        } catch (const domain::Refusal& r) {
            return r.code();
        } catch (const domain::InvalidField& e) {
            return "invalid:" + e.field();
        } catch (const domain::NotFound& e) {
            return e.code();
        }
        return "accepted";
    }
};

}  // namespace

// --- accounts --------------------------------------------------------------------------

TEST_F(StaffStore, ACreatedUserIsFoundByEmailWhateverItsCase) {
    const auto ana = add("Ana.Ruiz@Example.org", {{Role::organiser, hyderabad}});
    EXPECT_GT(ana.id, 0);
    const auto found = find_staff_user_by_email(conn, "  ana.ruiz@EXAMPLE.org ");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, ana.id);
    EXPECT_EQ(found->email, "Ana.Ruiz@Example.org");
    EXPECT_FALSE(found->disabled);
    EXPECT_EQ(found->grants, (std::vector<RoleGrant>{{Role::organiser, hyderabad}}));
    EXPECT_EQ(found->created_at, t0);
    const auto credentials = find_staff_credentials(conn, "ANA.RUIZ@example.org");
    ASSERT_TRUE(credentials);
    EXPECT_EQ(credentials->password_hash, hash);
    EXPECT_FALSE(find_staff_user_by_email(conn, "someone.else@example.org"));
}

TEST_F(StaffStore, ASecondAccountWithTheSameEmailInAnyCaseIsRefused) {
    add("ana@example.org");
    EXPECT_EQ(refusal([&] { add("ANA@example.org"); }), "email_taken");
    // The database's own guard, should a caller skip the store.
    EXPECT_THROW(conn.exec("INSERT INTO staff_users (email, display_name, password_hash, created_at, updated_at) "
                           "VALUES ('Ana@Example.Org', 'x', '" + hash + "', 'now', 'now')"),
                 SqliteError);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM staff_users"), 1);
}

TEST_F(StaffStore, BadAccountsAndImpossibleGrantsAreRefused) {
    EXPECT_EQ(refusal([&] { add("not-an-email"); }), "invalid:email");
    EXPECT_EQ(refusal([&] { create_staff_user(conn, {"a@example.org", "  ", hash, {}}, cli, t0); }), "invalid:display_name");
    EXPECT_EQ(refusal([&] { create_staff_user(conn, {"a@example.org", "A", "", {}}, cli, t0); }), "invalid:password");
    EXPECT_EQ(refusal([&] { add("a@example.org", {{Role::admin, hyderabad}}); }), "invalid:role");
    EXPECT_EQ(refusal([&] { add("a@example.org", {{Role::checkin, std::nullopt}}); }), "invalid:role");
    EXPECT_EQ(refusal([&] { add("a@example.org", {{Role::organiser, 99}}); }), "invalid:event_id");
    EXPECT_EQ(count(conn, "SELECT count(*) FROM staff_users"), 0);
    // The schema says the same, underneath.
    const auto ana = add("ana@example.org");
    EXPECT_THROW(conn.exec("INSERT INTO staff_roles (user_id, role, event_id, granted_at) VALUES (" +
                           std::to_string(ana.id) + ", 'checkin', NULL, 'now')"),
                 SqliteError);
    EXPECT_THROW(conn.exec("INSERT INTO staff_roles (user_id, role, event_id, granted_at) VALUES (" +
                           std::to_string(ana.id) + ", 'admin', 1, 'now')"),
                 SqliteError);
}

TEST_F(StaffStore, GrantsAndRevocationsChangeWhatThePrincipalMayDo) {
    const auto ana = add("ana@example.org");
    EXPECT_TRUE(load_principal(conn, ana.id)->grants.empty());
    EXPECT_TRUE(grant_role(conn, ana.id, {Role::organiser, barcelona}, cli, t0));
    EXPECT_FALSE(grant_role(conn, ana.id, {Role::organiser, barcelona}, cli, t0));  // already held
    EXPECT_TRUE(grant_role(conn, ana.id, {Role::checkin, hyderabad}, cli, t0));
    EXPECT_TRUE(grant_role(conn, ana.id, {Role::organiser, std::nullopt}, cli, t0));
    EXPECT_FALSE(grant_role(conn, ana.id, {Role::organiser, std::nullopt}, cli, t0));

    auto principal = load_principal(conn, ana.id);
    ASSERT_TRUE(principal);
    EXPECT_TRUE(principal->can_organise(hyderabad));
    EXPECT_EQ(principal->grants.size(), 3u);

    EXPECT_TRUE(revoke_role(conn, ana.id, {Role::organiser, std::nullopt}, cli, t0));
    EXPECT_FALSE(revoke_role(conn, ana.id, {Role::organiser, std::nullopt}, cli, t0));
    principal = load_principal(conn, ana.id);
    EXPECT_FALSE(principal->can_organise(hyderabad));
    EXPECT_TRUE(principal->can_check_in(hyderabad));
    EXPECT_TRUE(principal->can_organise(barcelona));
    EXPECT_EQ(refusal([&] { grant_role(conn, ana.id, {Role::checkin, 42}, cli, t0); }), "invalid:event_id");
    EXPECT_EQ(refusal([&] { grant_role(conn, 999, {Role::admin, std::nullopt}, cli, t0); }), "staff_user_not_found");
}

TEST_F(StaffStore, TheLastEnabledAdminCanBeNeitherDisabledNorDemoted) {
    const auto ana = add("ana@example.org", {{Role::admin, std::nullopt}});
    EXPECT_EQ(refusal([&] { set_staff_user_disabled(conn, ana.id, true, cli, t0); }), "last_admin");
    EXPECT_EQ(refusal([&] { revoke_role(conn, ana.id, {Role::admin, std::nullopt}, cli, t0); }), "last_admin");
    const auto bo = add("bo@example.org", {{Role::admin, std::nullopt}});
    EXPECT_TRUE(set_staff_user_disabled(conn, ana.id, true, cli, t0));
    EXPECT_EQ(refusal([&] { revoke_role(conn, bo.id, {Role::admin, std::nullopt}, cli, t0); }), "last_admin");
}

TEST_F(StaffStore, EveryAccountChangeIsAuditedWithoutThePasswordHash) {
    const auto ana = add("ana@example.org", {{Role::organiser, hyderabad}});
    grant_role(conn, ana.id, {Role::checkin, barcelona}, cli, t0);
    revoke_role(conn, ana.id, {Role::checkin, barcelona}, cli, t0);
    set_staff_password(conn, ana.id, hash, cli, t0);
    set_staff_user_disabled(conn, ana.id, true, cli, t0);
    set_staff_user_disabled(conn, ana.id, false, cli, t0);
    // No-ops record nothing.
    set_staff_user_disabled(conn, ana.id, false, cli, t0);
    grant_role(conn, ana.id, {Role::organiser, hyderabad}, cli, t0);

    const auto entries = list_audit(conn, AuditFilter{});
    std::vector<std::string> actions;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) actions.push_back(it->entry.action);
    EXPECT_EQ(actions, (std::vector<std::string>{"staff_user.create", "staff_user.grant", "staff_user.revoke",
                                                 "staff_user.password", "staff_user.disable", "staff_user.enable"}));
    for (const auto& record : entries) {
        EXPECT_EQ(record.entry.actor_label, "cli:root");
        EXPECT_EQ(record.entry.entity_type, "staff_user");
        EXPECT_EQ(record.entry.entity_id, ana.id);
        for (const auto& json : {record.entry.before_json, record.entry.after_json})
            if (json) {
                EXPECT_EQ(json->find("scrypt"), std::string::npos) << *json;
            }
    }
    const auto grant = entries[4].entry;
    EXPECT_EQ(grant.action, "staff_user.grant");
    EXPECT_EQ(grant.event_id, barcelona);
    EXPECT_NE(grant.before_json->find(R"("roles":[{"event_id":1,"role":"organiser"}])"), std::string::npos) << *grant.before_json;
    EXPECT_NE(grant.after_json->find(R"({"event_id":2,"role":"checkin"})"), std::string::npos) << *grant.after_json;
}

// --- sessions --------------------------------------------------------------------------

TEST_F(StaffStore, ASessionIsFoundByItsTokenAndCarriesThePrincipalAndCsrfToken) {
    const auto ana = add("ana@example.org", {{Role::organiser, hyderabad}});
    const auto session = create_staff_session(conn, ana.id, std::string("203.0.113.9"), t0);
    EXPECT_TRUE(auth::looks_like_token(session.token));
    EXPECT_TRUE(auth::looks_like_token(session.csrf_token));
    EXPECT_NE(session.token, session.csrf_token);
    EXPECT_EQ(session.expires_at, t0 + 12h);

    const auto found = find_staff_session(conn, session.token, t0 + 5min);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, session.id);
    EXPECT_EQ(found->principal.user_id, ana.id);
    EXPECT_EQ(found->principal.email, "ana@example.org");
    EXPECT_TRUE(found->principal.can_organise(hyderabad));
    EXPECT_TRUE(auth::tokens_equal(found->csrf_token, session.csrf_token));
    EXPECT_EQ(found->remote_address, "203.0.113.9");
    EXPECT_EQ(found->idle_expires_at, t0 + 2h);

    EXPECT_FALSE(find_staff_session(conn, auth::random_token(), t0));             // forged
    EXPECT_FALSE(find_staff_session(conn, session.csrf_token, t0));               // the wrong token
    EXPECT_FALSE(find_staff_session(conn, "'; DROP TABLE staff_sessions; --", t0));  // garbage
    EXPECT_FALSE(find_staff_session(conn, session.token.substr(1) + "A", t0));
}

TEST_F(StaffStore, OnlyTheTokensHashIsStoredNeverTheTokenItself) {
    const auto ana = add("ana@example.org");
    const auto session = create_staff_session(conn, ana.id, std::nullopt, t0);
    // Look for the token anywhere in the table, in any column.
    auto stmt = conn.prepare("SELECT * FROM staff_sessions");
    int rows = 0;
    while (stmt.step()) {
        ++rows;
        for (int column = 0; column < 8; ++column) EXPECT_EQ(stmt.text(column).find(session.token), std::string::npos);
    }
    EXPECT_EQ(rows, 1);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM staff_sessions WHERE token_hash = '" + auth::token_digest(session.token) + "'"), 1);
}

TEST_F(StaffStore, ASessionUnusedForTheIdleTimeoutIsOver) {
    const auto ana = add("ana@example.org");
    const auto session = create_staff_session(conn, ana.id, std::nullopt, t0);
    EXPECT_TRUE(find_staff_session(conn, session.token, t0 + 2h - 1s));
    EXPECT_FALSE(find_staff_session(conn, session.token, t0 + 2h));
}

TEST_F(StaffStore, ActivityKeepsASessionAliveButNotPastItsAbsoluteExpiry) {
    const auto ana = add("ana@example.org");
    const auto session = create_staff_session(conn, ana.id, std::nullopt, t0);
    // Used every hour for the whole day: alive until 12 h after login, never after.
    for (auto at = t0 + 1h; at < t0 + 12h; at += 1h) {
        const auto found = find_staff_session(conn, session.token, at);
        ASSERT_TRUE(found) << domain::format_utc(at);
        EXPECT_TRUE(found->needs_touch);
        EXPECT_TRUE(touch_staff_session(conn, found->id, at));
    }
    EXPECT_FALSE(find_staff_session(conn, session.token, t0 + 12h));
    // A shorter absolute timeout in the configuration applies to existing sessions too.
    SessionPolicy strict;
    strict.absolute_timeout = 8h;
    EXPECT_FALSE(find_staff_session(conn, session.token, t0 + 11h, strict));
}

TEST_F(StaffStore, LastSeenIsWrittenOnlyOnceAMinuteAndNeverBackwards) {
    const auto ana = add("ana@example.org");
    const auto session = create_staff_session(conn, ana.id, std::nullopt, t0);
    EXPECT_FALSE(find_staff_session(conn, session.token, t0 + 59s)->needs_touch);
    EXPECT_TRUE(find_staff_session(conn, session.token, t0 + 60s)->needs_touch);
    EXPECT_TRUE(touch_staff_session(conn, session.id, t0 + 10min));
    EXPECT_TRUE(touch_staff_session(conn, session.id, t0 + 5min));  // a late touch does not go back
    EXPECT_EQ(find_staff_session(conn, session.token, t0 + 10min)->last_seen_at, t0 + 10min);
    EXPECT_FALSE(touch_staff_session(conn, session.id + 100, t0));
}

TEST_F(StaffStore, DisablingAUserEndsTheirSessionsAndRefusesNewOnes) {
    const auto ana = add("ana@example.org", {{Role::organiser, std::nullopt}});
    const auto bo = add("bo@example.org");
    const auto first = create_staff_session(conn, ana.id, std::nullopt, t0);
    const auto second = create_staff_session(conn, ana.id, std::nullopt, t0);
    const auto other = create_staff_session(conn, bo.id, std::nullopt, t0);

    EXPECT_TRUE(set_staff_user_disabled(conn, ana.id, true, cli, t0 + 1min));
    EXPECT_FALSE(find_staff_session(conn, first.token, t0 + 2min));
    EXPECT_FALSE(find_staff_session(conn, second.token, t0 + 2min));
    EXPECT_TRUE(find_staff_session(conn, other.token, t0 + 2min));
    EXPECT_FALSE(load_principal(conn, ana.id));
    EXPECT_TRUE(find_staff_credentials(conn, "ana@example.org")->disabled);
    EXPECT_EQ(refusal([&] { create_staff_session(conn, ana.id, std::nullopt, t0 + 3min); }), "account_disabled");
}

TEST_F(StaffStore, ASessionOfADisabledUserIsRefusedEvenIfItsRowSurvived) {
    const auto ana = add("ana@example.org");
    const auto session = create_staff_session(conn, ana.id, std::nullopt, t0);
    // As if disabled by hand in the sqlite3 shell, without the store ending the sessions.
    conn.exec("UPDATE staff_users SET disabled = 1");
    EXPECT_FALSE(find_staff_session(conn, session.token, t0 + 1min));
}

TEST_F(StaffStore, LogoutPasswordChangeAndHousekeepingEndSessions) {
    const auto ana = add("ana@example.org");
    const auto a = create_staff_session(conn, ana.id, std::nullopt, t0);
    const auto b = create_staff_session(conn, ana.id, std::nullopt, t0);
    EXPECT_TRUE(destroy_staff_session(conn, a.token));
    EXPECT_FALSE(destroy_staff_session(conn, a.token));
    EXPECT_FALSE(find_staff_session(conn, a.token, t0));
    EXPECT_TRUE(find_staff_session(conn, b.token, t0));

    EXPECT_EQ(set_staff_password(conn, ana.id, hash, cli, t0), 1);
    EXPECT_FALSE(find_staff_session(conn, b.token, t0));

    // Housekeeping: a session idle since t0 goes, a fresh one stays.
    const auto bo = add("bo@example.org");
    create_staff_session(conn, ana.id, std::nullopt, t0);
    const auto fresh = create_staff_session(conn, bo.id, std::nullopt, t0 + 3h);
    EXPECT_EQ(delete_expired_staff_sessions(conn, t0 + 3h), 1);
    EXPECT_TRUE(find_staff_session(conn, fresh.token, t0 + 3h));
    EXPECT_EQ(destroy_staff_sessions_of(conn, ana.id), 0);
    EXPECT_EQ(destroy_staff_sessions_of(conn, bo.id), 1);
}

TEST_F(StaffStore, ALoginRehashKeepsTheSessions) {
    const auto ana = add("ana@example.org");
    const auto session = create_staff_session(conn, ana.id, std::nullopt, t0);
    update_password_hash(conn, ana.id, "scrypt$ln=17,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U", t0);
    EXPECT_TRUE(find_staff_session(conn, session.token, t0));
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'staff_user.password'"), 0);
}

// Through the single writer and a read-only reader, as the HTTP layer will use them.
TEST(StaffStoreDatabaseTest, LoginWritesThroughTheWriterAndLooksUpOnAReader) {
    TempDir dir;
    Database db(DatabaseOptions{dir.file("c.db"), 1, true});
    const AuditContext cli{AuditActor::cli("root"), std::nullopt, std::nullopt};
    const auto now = domain::now();

    auto write = [&db](Database::WriteFn fn) {
        std::promise<std::exception_ptr> done;
        db.write(std::move(fn), [&done](std::exception_ptr e) { done.set_value(e); });
        return done.get_future().get();
    };
    domain::Id user_id = 0;
    NewStaffSession session;
    ASSERT_FALSE(write([&](Connection& conn, ChangeSet&) {
        user_id = create_staff_user(conn, {"ana@example.org", "Ana", "scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", {{Role::admin, std::nullopt}}}, cli, now).id;
        session = create_staff_session(conn, user_id, std::string("198.51.100.7"), now);
    }));
    // A failing command leaves nothing behind, not even its audit entry.
    EXPECT_TRUE(write([&](Connection& conn, ChangeSet&) {
        create_staff_user(conn, {"bo@example.org", "Bo", "scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", {}}, cli, now);
        throw std::runtime_error("something after the change failed");
    }));

    std::promise<std::optional<StaffSession>> found;
    std::promise<int> audit_rows;
    db.read([&](Connection& conn) {
        found.set_value(find_staff_session(conn, session.token, now + 1min));
        audit_rows.set_value(static_cast<int>(list_audit(conn, AuditFilter{}).size()));
    });
    const auto s = found.get_future().get();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->principal.user_id, user_id);
    EXPECT_TRUE(s->principal.is_admin());
    EXPECT_EQ(audit_rows.get_future().get(), 1);
}
