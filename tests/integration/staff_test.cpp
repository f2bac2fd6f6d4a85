// Staff sign-in end to end: the real binary, the first admin created with `congress user
// add` (password piped on standard input, as docs/staff.md shows), then the session cookie,
// CSRF, logout, lock-out, accounts made by the admin, disabling, the audit log, and bad
// input that is refused while the server keeps serving.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"

namespace congress::it {
namespace {

using nlohmann::json;

constexpr const char* admin_email = "admin@example.org";
constexpr const char* admin_password = "the first admin's password";
constexpr const char* locked_email = "locked@example.org";
constexpr const char* locked_password = "a password nobody will guess";

// `printf '%s\n' PASSWORD | congress user add --db DB ...`
void add_user_with_cli(const std::string& db, const std::string& email, const std::string& password,
                       const std::string& role) {
    const auto r = run_program("/bin/sh", {"-c", "printf '%s\\n' \"$PASSWORD\" | \"$CONGRESS\" user add --db \"$DB\" "
                                                 "--email \"$EMAIL\" --name \"Staff member\" --role \"$ROLE\""},
                               {{"PASSWORD", password}, {"CONGRESS", congress_binary()}, {"DB", db}, {"EMAIL", email},
                                {"ROLE", role}});
    if (r.exit_code != 0) throw std::runtime_error("congress user add failed:\n" + r.output());
}

struct StaffServer {
    static ServerOptions make() {
        ServerOptions options;
        options.prepare_database = [](const std::string& db) {
            add_user_with_cli(db, admin_email, admin_password, "admin");
            add_user_with_cli(db, locked_email, locked_password, "organiser");
        };
        return options;
    }
};

struct Session {
    Response response;
    std::string cookie;  // "congress_staff=…", for a Cookie header
    std::string csrf;
};

class Staff : public SharedServerTest<StaffServer> {
protected:
    static Session login(const std::string& email, const std::string& password) {
        Session s;
        s.response = post_json(port(), "/api/staff/login", {{"email", email}, {"password", password}});
        const auto set_cookie = s.response.header("Set-Cookie");
        s.cookie = set_cookie.substr(0, set_cookie.find(';'));
        const auto body = parse_json(s.response.body);
        if (body.is_object() && body.contains("csrf_token")) s.csrf = body["csrf_token"];
        return s;
    }

    static Headers as(const Session& s, bool csrf = true) {
        Headers h{{"Cookie", s.cookie}};
        if (csrf) h.emplace_back("X-CSRF-Token", s.csrf);
        return h;
    }

    static Response admin_post(const Session& admin, const std::string& target, const json& body) {
        return post_json(port(), target, body, as(admin));
    }
};

TEST_F(Staff, LoginSetsTheSessionCookieWithItsAttributes) {
    const auto s = login(admin_email, admin_password);
    ASSERT_EQ(s.response.status, 200) << s.response.body;
    const auto set_cookie = s.response.header("Set-Cookie");
    EXPECT_TRUE(starts_with(set_cookie, "congress_staff=")) << set_cookie;
    EXPECT_EQ(s.cookie.size(), std::string("congress_staff=").size() + 43) << "a 256-bit token";
    EXPECT_TRUE(contains(set_cookie, "; HttpOnly"));
    EXPECT_TRUE(contains(set_cookie, "; SameSite=Strict"));
    EXPECT_TRUE(contains(set_cookie, "; Path=/"));
    EXPECT_TRUE(contains(set_cookie, "; Max-Age=43200"));
    EXPECT_FALSE(contains(set_cookie, "Secure")) << "plain HTTP";
    EXPECT_EQ(s.response.header("Cache-Control"), "no-store");
    const auto body = parse_json(s.response.body);
    EXPECT_EQ(body["staff"]["email"], admin_email);
    EXPECT_EQ(body["staff"]["grants"], json::parse(R"([{"role":"admin","event_id":null}])"));
    EXPECT_EQ(s.csrf.size(), 43u);
}

TEST_F(Staff, MeLogoutAndTheCsrfHeader) {
    const auto s = login(admin_email, admin_password);
    ASSERT_EQ(s.response.status, 200);
    const auto me = get(port(), "/api/staff/me", {{"Cookie", s.cookie}});
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(parse_json(me.body), parse_json(s.response.body));
    EXPECT_TRUE(is_json_error(get(port(), "/api/staff/me"), "not_signed_in"));

    // A changing request with the cookie but without the header (what a forged cross-site
    // request would send) is refused, and changes nothing.
    const auto forged = request(port(), "POST", "/api/staff/logout", {{"Cookie", s.cookie}});
    EXPECT_EQ(forged.status, 403);
    EXPECT_TRUE(is_json_error(forged, "csrf_failed"));
    const auto wrong = request(port(), "POST", "/api/staff/logout", {{"Cookie", s.cookie}, {"X-CSRF-Token", "x" + s.csrf.substr(1)}});
    EXPECT_TRUE(is_json_error(wrong, "csrf_failed"));
    EXPECT_EQ(get(port(), "/api/staff/me", {{"Cookie", s.cookie}}).status, 200);

    const auto out = request(port(), "POST", "/api/staff/logout", as(s));
    ASSERT_EQ(out.status, 200) << out.body;
    EXPECT_TRUE(starts_with(out.header("Set-Cookie"), "congress_staff=;"));
    EXPECT_TRUE(contains(out.header("Set-Cookie"), "Max-Age=0"));
    EXPECT_TRUE(is_json_error(get(port(), "/api/staff/me", {{"Cookie", s.cookie}}), "not_signed_in"));
}

TEST_F(Staff, WrongPasswordsAre401ThenTooManyAre429WithRetryAfter) {
    const auto wrong = login(locked_email, "not the password");
    EXPECT_EQ(wrong.response.status, 401);
    EXPECT_TRUE(is_json_error(wrong.response, "invalid_credentials"));
    EXPECT_FALSE(wrong.response.has_header("Set-Cookie"));
    const auto unknown = login("nobody@example.org", locked_password);
    EXPECT_EQ(unknown.response.body, wrong.response.body) << "unknown emails get the same answer";

    int status = 0;
    Response last;
    for (int i = 0; i < 10 && status != 429; ++i) {
        last = login(locked_email, "guess number " + std::to_string(i)).response;
        status = last.status;
    }
    ASSERT_EQ(status, 429) << last.body;
    EXPECT_TRUE(is_json_error(last, "too_many_attempts"));
    const auto retry = last.header("Retry-After");
    ASSERT_FALSE(retry.empty());
    EXPECT_GE(std::stoi(retry), 1);
    // Locked: the right password waits too.
    EXPECT_EQ(login(locked_email, locked_password).response.status, 429);
    // The lock-out is in the audit log.
    const auto admin = login(admin_email, admin_password);
    ASSERT_EQ(admin.response.status, 200) << "another account from the same address still signs in";
    const auto audit = parse_json(get(port(), "/api/admin/audit?action=auth.login_locked", as(admin, false)).body);
    ASSERT_GE(audit["entries"].size(), 1u) << audit.dump();
    EXPECT_EQ(audit["entries"][0]["after"]["email"], locked_email);
}

TEST_F(Staff, AnAdminCreatesAnOrganiserWhoCanThenSignIn) {
    const auto admin = login(admin_email, admin_password);
    ASSERT_EQ(admin.response.status, 200);
    const auto created = admin_post(admin, "/api/admin/users",
                                    {{"email", "orla@example.org"},
                                     {"name", "Orla Niamh"},
                                     {"password", "orla's own long password"},
                                     {"grants", json::array({{{"role", "organiser"}, {"event_id", 1}}})}});
    ASSERT_EQ(created.status, 201) << created.body;
    const auto orla = login("ORLA@example.org", "orla's own long password");
    ASSERT_EQ(orla.response.status, 200) << orla.response.body;
    EXPECT_EQ(parse_json(orla.response.body)["staff"]["grants"][0]["role"], "organiser");
    EXPECT_TRUE(is_json_error(get(port(), "/api/admin/users", as(orla, false)), "forbidden"));
    const auto users = parse_json(get(port(), "/api/admin/users", as(admin, false)).body);
    bool listed = false;
    for (const auto& user : users["users"]) listed = listed || user["email"] == "orla@example.org";
    EXPECT_TRUE(listed) << users.dump();
}

TEST_F(Staff, ADisabledUsersSessionStopsWorkingAndTheAuditListShowsTheChanges) {
    const auto admin = login(admin_email, admin_password);
    const auto created = admin_post(admin, "/api/admin/users",
                                    {{"email", "dan@example.org"}, {"name", "Dan"}, {"password", "dan's long password"}});
    ASSERT_EQ(created.status, 201) << created.body;
    const auto dan_id = parse_json(created.body)["user"]["id"].get<long long>();
    const auto dan = login("dan@example.org", "dan's long password");
    ASSERT_EQ(get(port(), "/api/staff/me", as(dan, false)).status, 200);

    const auto grant = admin_post(admin, "/api/admin/users/" + std::to_string(dan_id) + "/grants",
                                  {{"role", "checkin"}, {"event_id", 1}});
    ASSERT_EQ(grant.status, 200) << grant.body;
    const auto disabled = admin_post(admin, "/api/admin/users/" + std::to_string(dan_id) + "/disable", {{"reason", "left"}});
    ASSERT_EQ(disabled.status, 200) << disabled.body;
    EXPECT_TRUE(is_json_error(get(port(), "/api/staff/me", as(dan, false)), "not_signed_in"));
    EXPECT_EQ(login("dan@example.org", "dan's long password").response.status, 401);

    const auto audit = parse_json(
        get(port(), "/api/admin/audit?entity=staff_user:" + std::to_string(dan_id), as(admin, false)).body);
    ASSERT_EQ(audit["entries"].size(), 3u) << audit.dump();
    EXPECT_EQ(audit["entries"][0]["action"], "staff_user.disable");
    EXPECT_EQ(audit["entries"][0]["reason"], "left");
    EXPECT_EQ(audit["entries"][1]["action"], "staff_user.grant");
    EXPECT_EQ(audit["entries"][1]["event_id"], 1);
    EXPECT_EQ(audit["entries"][2]["action"], "staff_user.create");
    for (const auto& entry : audit["entries"]) EXPECT_EQ(entry["actor"]["label"], admin_email);
    // The log cannot be changed through the API.
    EXPECT_EQ(request(port(), "DELETE", "/api/admin/audit", as(admin)).status, 405);
}

TEST_F(Staff, BadInputIsRefusedWith4xxAndTheServerKeepsServing) {
    const auto admin = login(admin_email, admin_password);
    ASSERT_EQ(admin.response.status, 200);
    const std::vector<std::pair<Response, int>> cases = {
        {request(port(), "POST", "/api/staff/login", {{"Content-Type", "application/json"}}, "{not json"), 400},
        {request(port(), "POST", "/api/staff/login", {{"Content-Type", "text/plain"}}, "email=a"), 415},
        {post_json(port(), "/api/staff/login", {{"email", std::string(300, 'e')}, {"password", "x"}}), 422},
        {post_json(port(), "/api/staff/login", {{"email", "a@b.org"}, {"password", std::string(5000, 'p')}}), 422},
        {get(port(), "/api/staff/me", {{"Cookie", "congress_staff=" + std::string(43, 'A')}}), 401},
        {get(port(), "/api/staff/me", {{"Cookie", "congress_staff=%00%ff'--"}}), 401},
        {get(port(), "/api/admin/users"), 401},
        {admin_post(admin, "/api/admin/users", {{"email", "x@example.org"}, {"name", "X"}, {"password", "short"}}), 422},
        {admin_post(admin, "/api/admin/users", {{"email", "x'); DROP TABLE staff_users;--"}, {"name", "X"}, {"password", "long enough password"}}), 422},
        {admin_post(admin, "/api/admin/users/99999/disable", json::object()), 404},
        {admin_post(admin, "/api/admin/users/1/grants", {{"role", "emperor"}}), 422},
        {get(port(), "/api/admin/audit?limit=100000", as(admin, false)), 422},
        {get(port(), "/api/admin/audit?since=%ZZ", as(admin, false)), 400},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE("case " + std::to_string(i) + ": " + cases[i].first.body);
        EXPECT_EQ(cases[i].first.status, cases[i].second);
        EXPECT_TRUE(is_json_error(cases[i].first));
    }
    EXPECT_TRUE(still_serving(port()));
    EXPECT_EQ(get(port(), "/api/admin/users", as(admin, false)).status, 200) << "the admin's session is unharmed";
}

}  // namespace
}  // namespace congress::it
