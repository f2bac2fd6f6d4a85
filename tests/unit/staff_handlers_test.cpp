// Staff sign-in and the admin routes through the real router, in process: the session
// cookie and its attributes, CSRF, expiry, lock-out, the capped hasher, account changes and
// their audit entries, and input errors that name the field and change nothing.
#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include "api/admin_handlers.hpp"
#include "api_harness.hpp"
#include "auth/tokens.hpp"
#include "config.hpp"
#include "storage/audit_log.hpp"

using namespace congress;
using namespace congress::testing;
using namespace std::chrono_literals;
using domain::Role;

namespace {

constexpr const char* admin_password = "admin password, long enough";
constexpr const char* ana_password = "correct horse battery staple";

struct SignedIn {
    api::Response response;
    std::string token;  // the cookie value
    std::string csrf;
    std::string set_cookie;
};

std::string login_body(const std::string& email, const std::string& password) {
    return nlohmann::json{{"email", email}, {"password", password}}.dump();
}

class StaffApi : public ::testing::Test {
protected:
    explicit StaffApi(HarnessOptions options = {}) : api_(std::move(options)) {}

    void SetUp() override {
        api_.write([](storage::Connection& conn) {
            conn.exec(R"sql(
                INSERT INTO events (id, slug, title, kind, timezone, starts_at, ends_at, capacity)
                VALUES (1, 'event-x', 'Event X', 'congress', 'Asia/Kolkata', '2099-10-07T03:30:00Z', '2099-10-10T12:00:00Z', 100);
            )sql");
        });
        admin_id_ = api_.add_user("admin@example.org", admin_password, {{Role::admin, std::nullopt}}).id;
        ana_id_ = api_.add_user("Ana@Example.org", ana_password, {{Role::organiser, 1}}).id;
    }

    SignedIn login(const std::string& email, const std::string& password, api::Headers headers = {},
                   bool secure = false) {
        api::Request request;
        request.method = "POST";
        request.target = "/api/staff/login";
        request.body = login_body(email, password);
        request.headers = std::move(headers);
        request.headers.emplace_back("Content-Type", "application/json");
        request.secure = secure;
        SignedIn s{api_.send(std::move(request)), {}, {}, {}};
        s.set_cookie = std::string(s.response.header("Set-Cookie"));
        const auto prefix = std::string(api::staff_cookie) + "=";
        if (s.set_cookie.rfind(prefix, 0) == 0) s.token = s.set_cookie.substr(prefix.size(), s.set_cookie.find(';') - prefix.size());
        const auto body = json_of(s.response);
        if (body.is_object() && body.contains("csrf_token")) s.csrf = body["csrf_token"];
        return s;
    }

    api::Headers as(const SignedIn& s, bool csrf = true) const {
        api::Headers h{{"Cookie", "lang=fr; " + std::string(api::staff_cookie) + "=" + s.token}};
        if (csrf) h.emplace_back("X-CSRF-Token", s.csrf);
        return h;
    }

    int count(const std::string& sql) {
        return api_.read([&](storage::Connection& conn) {
            auto stmt = conn.prepare(sql);
            stmt.step();
            return stmt.int32(0);
        });
    }

    std::vector<storage::AuditRecord> audit(const std::string& action) {
        return api_.read([&](storage::Connection& conn) {
            storage::AuditFilter filter;
            filter.action = action;
            return storage::list_audit(conn, filter);
        });
    }

    ApiHarness api_;
    domain::Id admin_id_ = 0;
    domain::Id ana_id_ = 0;
};

}  // namespace

// --- sign-in -------------------------------------------------------------------------------

TEST_F(StaffApi, LoginSetsAnHttpOnlyStrictSessionCookieAndGivesTheCsrfToken) {
    const auto s = login("ana@example.org", ana_password);
    ASSERT_EQ(s.response.status, 200) << *s.response.body;
    EXPECT_TRUE(auth::looks_like_token(s.token)) << s.set_cookie;
    EXPECT_NE(s.set_cookie.find("; HttpOnly"), std::string::npos);
    EXPECT_NE(s.set_cookie.find("; SameSite=Strict"), std::string::npos);
    EXPECT_NE(s.set_cookie.find("; Path=/"), std::string::npos);
    EXPECT_NE(s.set_cookie.find("; Max-Age=43200"), std::string::npos) << "the absolute expiry, 12 h";
    EXPECT_EQ(s.set_cookie.find("Secure"), std::string::npos) << "not over plain HTTP";
    EXPECT_EQ(s.set_cookie.find("Domain"), std::string::npos);
    EXPECT_EQ(s.response.header("Cache-Control"), "no-store");
    const auto body = json_of(s.response);
    EXPECT_EQ(body["staff"]["id"], ana_id_);
    EXPECT_EQ(body["staff"]["email"], "Ana@Example.org");
    EXPECT_EQ(body["staff"]["grants"], nlohmann::json::parse(R"([{"role":"organiser","event_id":1}])"));
    EXPECT_TRUE(auth::looks_like_token(s.csrf));
    // The database keeps only the token's digest.
    EXPECT_EQ(count("SELECT count(*) FROM staff_sessions WHERE token_hash = '" + auth::token_digest(s.token) + "'"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM staff_sessions WHERE token_hash = '" + s.token + "'"), 0);
}

TEST_F(StaffApi, OverTlsTheCookieIsSecure) {
    const auto s = login("ana@example.org", ana_password, {}, true);
    ASSERT_EQ(s.response.status, 200);
    EXPECT_NE(s.set_cookie.find("; Secure"), std::string::npos) << s.set_cookie;
}

TEST_F(StaffApi, MeAnswersWithTheSameBodyAsLoginSoAReloadedPageGetsItsCsrfToken) {
    const auto s = login("ana@example.org", ana_password);
    const auto me = api_.send("GET", "/api/staff/me", {}, as(s, false));
    ASSERT_EQ(me.status, 200) << *me.body;
    EXPECT_EQ(json_of(me), json_of(s.response));
    EXPECT_EQ(me.header("Cache-Control"), "no-store");
}

TEST_F(StaffApi, MissingForgedOrUnknownCookiesAreAnonymous) {
    const auto s = login("ana@example.org", ana_password);
    for (const std::string& cookie : {std::string(), std::string("congress_staff="), std::string("congress_staff=forged"),
                                     "congress_staff=" + auth::random_token(), "congress_staff=" + s.token + "x",
                                     "other=" + s.token}) {
        SCOPED_TRACE(cookie);
        const auto r = api_.send("GET", "/api/staff/me", {}, {{"Cookie", cookie}});
        EXPECT_EQ(r.status, 401);
        EXPECT_EQ(error_code(r), "not_signed_in");
    }
}

TEST_F(StaffApi, WrongPasswordUnknownEmailAndDisabledAccountGetOneAnswer) {
    api_.add_user("off@example.org", ana_password);
    api_.write([](storage::Connection& conn) {
        conn.exec("UPDATE staff_users SET disabled = 1 WHERE email = 'off@example.org'");
    });
    std::optional<std::string> first;
    for (const auto& [email, password] : std::vector<std::pair<std::string, std::string>>{
             {"ana@example.org", "wrong password!"}, {"nobody@example.org", ana_password}, {"off@example.org", ana_password}}) {
        SCOPED_TRACE(email);
        const auto s = login(email, password);
        EXPECT_EQ(s.response.status, 401);
        EXPECT_EQ(error_code(s.response), "invalid_credentials");
        EXPECT_TRUE(s.set_cookie.empty());
        if (!first) first = *s.response.body;
        EXPECT_EQ(*s.response.body, *first) << "the same body whatever the cause";
    }
    EXPECT_EQ(count("SELECT count(*) FROM staff_sessions"), 0);
}

TEST_F(StaffApi, EveryLoginIsANewSessionAndEndsTheOneTheRequestCameWith) {
    const auto first = login("ana@example.org", ana_password);
    const auto second = login("ana@example.org", ana_password, as(first, false));
    ASSERT_EQ(second.response.status, 200);
    EXPECT_NE(second.token, first.token);
    EXPECT_NE(second.csrf, first.csrf);
    EXPECT_EQ(api_.send("GET", "/api/staff/me", {}, as(first)).status, 401) << "the session from before the login is over";
    EXPECT_EQ(api_.send("GET", "/api/staff/me", {}, as(second)).status, 200);
}

TEST_F(StaffApi, LogoutEndsTheSessionAndClearsTheCookie) {
    const auto s = login("ana@example.org", ana_password);
    const auto without_csrf = api_.send("POST", "/api/staff/logout", {}, as(s, false));
    EXPECT_EQ(without_csrf.status, 403);
    EXPECT_EQ(error_code(without_csrf), "csrf_failed");
    const auto out = api_.send("POST", "/api/staff/logout", {}, as(s));
    ASSERT_EQ(out.status, 200) << *out.body;
    const auto cleared = std::string(out.header("Set-Cookie"));
    EXPECT_EQ(cleared.rfind("congress_staff=;", 0), 0u) << cleared;
    EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos);
    EXPECT_NE(cleared.find("HttpOnly"), std::string::npos);
    EXPECT_EQ(api_.send("GET", "/api/staff/me", {}, as(s)).status, 401);
    EXPECT_EQ(count("SELECT count(*) FROM staff_sessions"), 0);
}

TEST_F(StaffApi, AnIdleSessionEndsAndAnActiveOneIsTouched) {
    const auto idle = login("ana@example.org", ana_password);
    const auto active = login("admin@example.org", admin_password);
    api_.write([&](storage::Connection& conn) {
        conn.prepare("UPDATE staff_sessions SET created_at = ?1, last_seen_at = ?1 WHERE user_id = ?2")
            .bind(1, domain::format_utc(domain::now() - 3h))
            .bind(2, ana_id_)
            .run();
        conn.prepare("UPDATE staff_sessions SET created_at = ?1, last_seen_at = ?1 WHERE user_id = ?2")
            .bind(1, domain::format_utc(domain::now() - 10min))
            .bind(2, admin_id_)
            .run();
    });
    EXPECT_EQ(api_.send("GET", "/api/staff/me", {}, as(idle)).status, 401) << "2 h without use";
    EXPECT_EQ(api_.send("GET", "/api/staff/me", {}, as(active)).status, 200);
    // The touch is a write the answer does not wait for.
    const auto recent = "SELECT count(*) FROM staff_sessions WHERE user_id = " + std::to_string(admin_id_) +
                        " AND last_seen_at > '" + domain::format_utc(domain::now() - 1min) + "'";
    for (int i = 0; i < 200 && count(recent) == 0; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(count(recent), 1);
}

TEST_F(StaffApi, APastAbsoluteExpiryEndsTheSessionHoweverActive) {
    const auto s = login("ana@example.org", ana_password);
    api_.write([&](storage::Connection& conn) {
        conn.prepare("UPDATE staff_sessions SET created_at = ?1, last_seen_at = ?2")
            .bind(1, domain::format_utc(domain::now() - 13h))
            .bind(2, domain::format_utc(domain::now()))
            .run();
    });
    EXPECT_EQ(api_.send("GET", "/api/staff/me", {}, as(s)).status, 401);
}

TEST_F(StaffApi, TheSweeperDeletesExpiredSessions) {
    login("ana@example.org", ana_password);
    const auto live = login("admin@example.org", admin_password);
    api_.write([&](storage::Connection& conn) {
        conn.prepare("UPDATE staff_sessions SET created_at = ?1, last_seen_at = ?1 WHERE user_id = ?2")
            .bind(1, domain::format_utc(domain::now() - 3h))
            .bind(2, ana_id_)
            .run();
    });
    api::StaffSessionSweeper sweeper(api_.db(), storage::SessionPolicy{}, std::chrono::hours(1));
    for (int i = 0; i < 500 && count("SELECT count(*) FROM staff_sessions") != 1; ++i) std::this_thread::sleep_for(10ms);
    sweeper.stop();
    EXPECT_EQ(count("SELECT count(*) FROM staff_sessions"), 1);
    EXPECT_EQ(api_.send("GET", "/api/staff/me", {}, as(live)).status, 200);
}

TEST_F(StaffApi, RepeatedFailuresAreAnsweredTooManyAttemptsWithRetryAfterAndTheLockIsAudited) {
    for (int i = 0; i < 6; ++i) EXPECT_EQ(login("ana@example.org", "wrong password " + std::to_string(i)).response.status, 401);
    // Locked now: even the right password is refused, without being checked.
    const auto locked = login("ANA@example.org", ana_password);
    EXPECT_EQ(locked.response.status, 429);
    EXPECT_EQ(error_code(locked.response), "too_many_attempts");
    const auto retry = std::string(locked.response.header("Retry-After"));
    ASSERT_FALSE(retry.empty());
    EXPECT_GE(std::stoi(retry), 1);
    EXPECT_LE(std::stoi(retry), 30);
    EXPECT_EQ(json_of(locked.response)["error"]["retry_after"], std::stoi(retry));
    // Another account from the same address is still allowed (20 free failures per address).
    EXPECT_EQ(login("admin@example.org", admin_password).response.status, 200);

    std::vector<storage::AuditRecord> entries;
    for (int i = 0; i < 200 && entries.empty(); ++i) {
        entries = audit("auth.login_locked");
        if (entries.empty()) std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].entry.entity_id, ana_id_);
    EXPECT_EQ(entries[0].entry.actor_label, "anonymous:203.0.113.9");
    const auto after = nlohmann::json::parse(*entries[0].entry.after_json);
    EXPECT_EQ(after["email"], "ana@example.org");
    EXPECT_EQ(after["locked_seconds"], 30);
}

TEST_F(StaffApi, AFullHashingQueueIsAnsweredBusyWithRetryAfter) {
    // One hashing thread, kept busy, and a queue of 16: fill it, then one more.
    std::latch release(1);
    api_.hasher().submit([&release] { release.wait(); });
    for (std::size_t i = 0; i < api_.hasher().options().max_waiting; ++i) api_.hasher().submit([] {});
    const auto busy = login("ana@example.org", ana_password);
    release.count_down();
    EXPECT_EQ(busy.response.status, 503);
    EXPECT_EQ(error_code(busy.response), "busy");
    EXPECT_FALSE(busy.response.header("Retry-After").empty());
    for (int i = 0; i < 500 && (api_.hasher().waiting() > 0 || api_.hasher().running() > 0); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(login("ana@example.org", ana_password).response.status, 200) << "served again once the queue drains";
}

TEST_F(StaffApi, AWeakerStoredHashIsReplacedAtTheNextLogin) {
    const auto weak = auth::hash_password("an older password hash", auth::ScryptParams{9, 8, 1, 16, 32});
    api_.write([&](storage::Connection& conn) { storage::update_password_hash(conn, ana_id_, weak, domain::now()); });
    ASSERT_EQ(login("ana@example.org", "an older password hash").response.status, 200);
    const auto stored = api_.read([&](storage::Connection& conn) {
        return storage::find_staff_credentials(conn, "ana@example.org")->password_hash;
    });
    EXPECT_NE(stored, weak);
    EXPECT_EQ(auth::parse_hash_params(stored), cheap_scrypt);
    EXPECT_EQ(login("ana@example.org", "an older password hash").response.status, 200);
}

TEST_F(StaffApi, LoginInputErrorsNameTheField) {
    const auto missing = api_.send("POST", "/api/staff/login", R"({"password":"x"})");
    EXPECT_EQ(missing.status, 422);
    EXPECT_EQ(json_of(missing)["error"]["field"], "email");
    const auto number = api_.send("POST", "/api/staff/login", R"({"email":"a@b.org","password":12})");
    EXPECT_EQ(json_of(number)["error"]["field"], "password");
    const auto huge = api_.send("POST", "/api/staff/login", login_body("a@b.org", std::string(2000, 'p')));
    EXPECT_EQ(json_of(huge)["error"]["field"], "password");
    api::Request form;
    form.method = "POST";
    form.target = "/api/staff/login";
    form.body = "email=a%40b.org&password=x";
    form.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    EXPECT_EQ(api_.send(std::move(form)).status, 415) << "a cross-site form cannot post JSON";
    EXPECT_EQ(api_.throttle().address_failures("203.0.113.9"), 0) << "input errors are not failed logins";
}

// --- disabled accounts ---------------------------------------------------------------------

TEST_F(StaffApi, DisablingAUserEndsTheirSessionsAtOnce) {
    const auto ana = login("ana@example.org", ana_password);
    const auto admin = login("admin@example.org", admin_password);
    const auto r = api_.send("POST", "/api/admin/users/" + std::to_string(ana_id_) + "/disable",
                             R"({"reason":"left the team"})", as(admin));
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(json_of(r)["user"]["disabled"], true);
    EXPECT_EQ(json_of(r)["changed"], true);
    EXPECT_EQ(api_.send("GET", "/api/staff/me", {}, as(ana)).status, 401);
    EXPECT_EQ(login("ana@example.org", ana_password).response.status, 401);
    const auto entries = audit("staff_user.disable");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].entry.actor_user_id, admin_id_);
    EXPECT_EQ(entries[0].entry.actor_label, "admin@example.org");
    EXPECT_EQ(entries[0].entry.reason, "left the team");
    EXPECT_TRUE(entries[0].entry.request_id.has_value());

    const auto again = api_.send("POST", "/api/admin/users/" + std::to_string(ana_id_) + "/disable", {}, as(admin));
    EXPECT_EQ(json_of(again)["changed"], false);
    EXPECT_EQ(api_.send("POST", "/api/admin/users/" + std::to_string(ana_id_) + "/enable", {}, as(admin)).status, 200);
    EXPECT_EQ(login("ana@example.org", ana_password).response.status, 200);
}

// --- admin ---------------------------------------------------------------------------------

TEST_F(StaffApi, AnAdminCreatesAnOrganiserWhoCanThenSignIn) {
    const auto admin = login("admin@example.org", admin_password);
    const auto created = api_.send(
        "POST", "/api/admin/users",
        R"({"email":"Bo@example.org","name":"Bo Lindqvist","password":"a brand new password",
            "grants":[{"role":"organiser","event_id":1},{"role":"checkin","event_id":1}]})",
        as(admin));
    ASSERT_EQ(created.status, 201) << *created.body;
    const auto user = json_of(created)["user"];
    EXPECT_EQ(user["email"], "Bo@example.org");
    EXPECT_EQ(user["display_name"], "Bo Lindqvist");
    EXPECT_EQ(user["grants"].size(), 2u);
    EXPECT_FALSE(created.body->find("scrypt") != std::string::npos) << "never the hash";

    const auto bo = login("bo@example.org", "a brand new password");
    ASSERT_EQ(bo.response.status, 200);
    // An organiser is not an admin.
    EXPECT_EQ(error_code(api_.send("GET", "/api/admin/users", {}, as(bo))), "forbidden");

    const auto list = json_of(api_.send("GET", "/api/admin/users", {}, as(admin)));
    ASSERT_EQ(list["users"].size(), 3u);
    const auto entries = audit("staff_user.create");
    ASSERT_FALSE(entries.empty());
    EXPECT_EQ(entries[0].entry.actor_user_id, admin_id_);
    EXPECT_EQ(entries[0].entry.entity_id, user["id"].get<domain::Id>());
}

TEST_F(StaffApi, AdminInputErrorsNameTheFieldAndWriteNothing) {
    const auto admin = login("admin@example.org", admin_password);
    const int users = count("SELECT count(*) FROM staff_users");
    const int entries = count("SELECT count(*) FROM audit_log");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"name":"X","password":"a long enough password"})", "email"},
        {R"({"email":"not an email","name":"X","password":"a long enough password"})", "email"},
        {R"({"email":"x@example.org","password":"a long enough password"})", "name"},
        {R"({"email":"x@example.org","name":"X","password":"short"})", "password"},
        {R"({"email":"x@example.org","name":"X"})", "password"},
        {R"({"email":"x@example.org","name":"X","password":"a long enough password","grants":"admin"})", "grants"},
        {R"({"email":"x@example.org","name":"X","password":"a long enough password","grants":[{"role":"boss"}]})", "grants"},
        {R"({"email":"x@example.org","name":"X","password":"a long enough password","grants":[{"role":"checkin"}]})", "grants"},
        {R"({"email":"x@example.org","name":"X","password":"a long enough password","grants":[{"role":"admin","event_id":1}]})", "grants"},
        {R"({"email":"x@example.org","name":"X","password":"a long enough password","grants":[{"role":"organiser","event_id":99}]})", "event_id"},
        {R"({"email":"x@example.org","name":"X\u0007","password":"a long enough password"})", "name"},
    };
    for (const auto& [body, field] : cases) {
        SCOPED_TRACE(body);
        const auto r = api_.send("POST", "/api/admin/users", body, as(admin));
        EXPECT_EQ(r.status, 422) << *r.body;
        EXPECT_EQ(json_of(r)["error"]["field"], field) << *r.body;
    }
    const auto taken = api_.send("POST", "/api/admin/users",
                                 R"({"email":"ANA@example.org","name":"X","password":"a long enough password"})", as(admin));
    EXPECT_EQ(taken.status, 409);
    EXPECT_EQ(error_code(taken), "email_taken");
    EXPECT_EQ(api_.send("POST", "/api/admin/users", "[1,2]", as(admin)).status, 400);

    const auto user = "/api/admin/users/" + std::to_string(ana_id_);
    const auto bad_role = api_.send("POST", user + "/grants", R"({"role":"boss"})", as(admin));
    EXPECT_EQ(json_of(bad_role)["error"]["field"], "role");
    const auto bad_event = api_.send("POST", user + "/grants", R"({"role":"checkin","event_id":"one"})", as(admin));
    EXPECT_EQ(json_of(bad_event)["error"]["field"], "event_id");
    const auto no_event = api_.send("POST", user + "/grants", R"({"role":"checkin"})", as(admin));
    EXPECT_EQ(json_of(no_event)["error"]["field"], "event_id");
    EXPECT_EQ(error_code(api_.send("POST", "/api/admin/users/abc/disable", {}, as(admin))), "staff_user_not_found");
    EXPECT_EQ(error_code(api_.send("POST", "/api/admin/users/999/disable", {}, as(admin))), "staff_user_not_found");
    EXPECT_EQ(api_.send("POST", user + "/disable", "not json", as(admin)).status, 400);

    EXPECT_EQ(count("SELECT count(*) FROM staff_users"), users);
    EXPECT_EQ(count("SELECT count(*) FROM audit_log"), entries);
}

TEST_F(StaffApi, RolesAreGrantedAndRevokedAndTheLastAdminIsKept) {
    const auto admin = login("admin@example.org", admin_password);
    const auto ana = login("ana@example.org", ana_password);
    const auto user = "/api/admin/users/" + std::to_string(ana_id_);
    const auto granted = api_.send("POST", user + "/grants", R"({"role":"admin"})", as(admin));
    ASSERT_EQ(granted.status, 200) << *granted.body;
    EXPECT_EQ(json_of(granted)["changed"], true);
    // The role applies at Ana's next request, without signing in again.
    EXPECT_EQ(api_.send("GET", "/api/admin/users", {}, as(ana)).status, 200);
    EXPECT_EQ(json_of(api_.send("POST", user + "/grants", R"({"role":"admin"})", as(admin)))["changed"], false);

    const auto revoked = api_.send("DELETE", user + "/grants", R"({"role":"organiser","event_id":1})", as(admin));
    ASSERT_EQ(revoked.status, 200) << *revoked.body;
    EXPECT_EQ(json_of(revoked)["user"]["grants"], nlohmann::json::parse(R"([{"role":"admin","event_id":null}])"));
    EXPECT_EQ(audit("staff_user.grant").size(), 1u);
    EXPECT_EQ(audit("staff_user.revoke").size(), 1u);

    // Two admins: one may go. Then the other is the last.
    EXPECT_EQ(api_.send("DELETE", user + "/grants", R"({"role":"admin"})", as(admin)).status, 200);
    const auto last = api_.send("POST", "/api/admin/users/" + std::to_string(admin_id_) + "/disable", {}, as(admin));
    EXPECT_EQ(last.status, 409);
    EXPECT_EQ(error_code(last), "last_admin");
}

TEST_F(StaffApi, TheAuditListFiltersAndPages) {
    const auto admin = login("admin@example.org", admin_password);
    const auto user = "/api/admin/users/" + std::to_string(ana_id_);
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(api_.send("POST", user + "/disable", {}, as(admin)).status, 200);
        ASSERT_EQ(api_.send("POST", user + "/enable", {}, as(admin)).status, 200);
    }
    const auto all = json_of(api_.send("GET", "/api/admin/audit", {}, as(admin)));
    ASSERT_EQ(all["entries"].size(), 8u) << all.dump();  // 2 created by the CLI, 6 changes
    EXPECT_EQ(all["entries"][0]["action"], "staff_user.enable") << "newest first";
    EXPECT_EQ(all["has_more"], false);

    const auto mine = json_of(api_.send("GET", "/api/admin/audit?actor=" + std::to_string(admin_id_) + "&limit=4", {}, as(admin)));
    EXPECT_EQ(mine["entries"].size(), 4u);
    EXPECT_EQ(mine["has_more"], true);
    EXPECT_EQ(mine["entries"][0]["actor"]["label"], "admin@example.org");
    const auto next = json_of(api_.send("GET", "/api/admin/audit?actor=" + std::to_string(admin_id_) + "&limit=4&offset=4",
                                        {}, as(admin)));
    EXPECT_EQ(next["entries"].size(), 2u);
    EXPECT_EQ(next["has_more"], false);

    const auto action = json_of(api_.send("GET", "/api/admin/audit?action=staff_user.disable", {}, as(admin)));
    EXPECT_EQ(action["entries"].size(), 3u);
    const auto entity = json_of(api_.send("GET", "/api/admin/audit?entity=staff_user%3A" + std::to_string(admin_id_), {}, as(admin)));
    EXPECT_EQ(entity["entries"].size(), 1u);
    const auto future = json_of(api_.send("GET", "/api/admin/audit?since=2999-01-01T00:00:00%2B01:00", {}, as(admin)));
    EXPECT_EQ(future["entries"].size(), 0u);
    const auto past = json_of(api_.send("GET", "/api/admin/audit?since=2000-01-01&event=&limit=", {}, as(admin)));
    EXPECT_EQ(past["entries"].size(), 8u) << "empty filters mean any";
    const auto offset = json_of(api_.send("GET", "/api/admin/audit?since=2000-01-01T00:00:00-05:30", {}, as(admin)));
    EXPECT_EQ(offset["entries"].size(), 8u) << offset.dump();
    const auto entry = all["entries"][0];
    EXPECT_TRUE(entry["before"].is_object());
    EXPECT_TRUE(entry["after"].is_object());

    for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
             {"event=x", "event"}, {"actor=-1", "actor"}, {"limit=0", "limit"}, {"limit=501", "limit"},
             {"offset=-3", "offset"}, {"since=yesterday", "since"}, {"since=2000-01-01T00:00:00%2B24:00", "since"},
             {"since=2000-01-01T00:00:00-05:60", "since"}, {"since=2000-01-01T00:00:00%2Bx1:00", "since"},
             {"entity=Staff%20User", "entity"},
             {"entity=staff_user:x", "entity"}, {"action=a%3Bb", "action"}}) {
        SCOPED_TRACE(query);
        const auto r = api_.send("GET", "/api/admin/audit?" + query, {}, as(admin));
        EXPECT_EQ(r.status, 422);
        EXPECT_EQ(json_of(r)["error"]["field"], field);
    }
    EXPECT_EQ(api_.send("GET", "/api/admin/audit?event=%zz", {}, as(admin)).status, 400);
    // No route edits or deletes entries.
    EXPECT_EQ(api_.send("DELETE", "/api/admin/audit", {}, as(admin)).status, 405);
}

// --- helpers -------------------------------------------------------------------------------

TEST(StaffCookie, TheSessionCookieIsFoundAmongOthers) {
    api::Request r;
    r.headers = {{"cookie", "a=1; congress_staff=abc ;b=2"}};
    EXPECT_EQ(api::cookie_value(r, "congress_staff"), "abc");
    EXPECT_EQ(api::cookie_value(r, "b"), "2");
    EXPECT_EQ(api::cookie_value(r, "c"), "");
    r.headers = {{"Cookie", "x=1"}, {"Cookie", "congress_staff=\"q\""}};
    EXPECT_EQ(api::cookie_value(r, "congress_staff"), "q");
    r.headers = {{"Cookie", "not_congress_staff=1; congress_staffx=2"}};
    EXPECT_EQ(api::cookie_value(r, "congress_staff"), "");
}

TEST(StaffCookie, CookieAttributes) {
    const auto now = domain::now();
    EXPECT_EQ(api::session_cookie("T", now + 60s, now, false), "congress_staff=T; Path=/; HttpOnly; SameSite=Strict; Max-Age=60");
    EXPECT_EQ(api::session_cookie("T", now + 60s, now, true),
              "congress_staff=T; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=60");
    EXPECT_EQ(api::cleared_session_cookie(false), "congress_staff=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

TEST(StaffQuery, QueryParametersArePercentDecoded) {
    const auto q = api::parse_query("a=1&b=x%20y+z&&c&d=%2B");
    ASSERT_EQ(q.size(), 4u);
    EXPECT_EQ(q[1].second, "x y z");
    EXPECT_EQ(q[2].first, "c");
    EXPECT_EQ(q[2].second, "");
    EXPECT_EQ(q[3].second, "+");
    EXPECT_THROW(api::parse_query("a=%4"), api::ApiError);
}

TEST(StaffConfig, SessionAndHashingOptions) {
    const auto none = [](const char*) -> const char* { return nullptr; };
    const auto defaults = parse_config({}, none);
    EXPECT_EQ(defaults.session_idle_seconds, 7200);
    EXPECT_EQ(defaults.session_max_age_seconds, 43200);
    EXPECT_EQ(defaults.password_hashes, 2);
    EXPECT_FALSE(defaults.secure_cookies);
    const auto set = parse_config({"--session-idle-timeout", "600", "--session-max-age=3600", "--password-hashes", "1",
                                   "--password-queue", "4", "--secure-cookies"},
                                  none);
    EXPECT_EQ(set.session_idle_seconds, 600);
    EXPECT_EQ(set.session_max_age_seconds, 3600);
    EXPECT_EQ(set.password_hashes, 1);
    EXPECT_EQ(set.password_queue, 4);
    EXPECT_TRUE(set.secure_cookies);
    EXPECT_THROW(parse_config({"--session-idle-timeout", "7200", "--session-max-age", "3600"}, none), ConfigError);
    EXPECT_THROW(parse_config({"--session-idle-timeout", "5"}, none), ConfigError);
    EXPECT_THROW(parse_config({"--password-hashes", "0"}, none), ConfigError);
}

TEST_F(StaffApi, SecureCookiesCanBeForcedBehindATlsProxy) {
    api_.services().secure_cookies = true;
    const auto s = login("ana@example.org", ana_password);
    EXPECT_NE(s.set_cookie.find("; Secure"), std::string::npos) << s.set_cookie;
}
