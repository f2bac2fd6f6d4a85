// Who may call what: every route of the real router (api::add_routes), called in process by
// every kind of caller, against an explicit table of the access each route must declare.
//
// Adding a route? Add its row to `expected_routes` below: the method, the pattern exactly as
// registered, and the access it needs. Routes of the organiser console use Access::organiser
// (or checkin) on /api/events/{id}/...: {id} is the event, and the test calls them with the
// organiser of that event, of another event, check-in staff, an admin and so on. Nothing
// else needs to change here.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <set>
#include <sstream>

#include "api_harness.hpp"

using namespace congress;
using namespace congress::testing;
using api::Access;

namespace {

struct ExpectedRoute {
    const char* method;
    const char* pattern;
    Access access;
};

// The decision recorded for every route. The router must hold exactly these.
const std::vector<ExpectedRoute> expected_routes = {
    // Public: the programme, registering, and signing in.
    {"GET", "/api/health", Access::public_read},
    {"GET", "/api/events", Access::public_read},
    {"GET", "/api/events/{id}", Access::public_read},
    {"GET", "/api/organisations", Access::public_read},
    {"POST", "/api/events/{id}/registrations", Access::public_write},
    {"POST", "/api/staff/login", Access::public_write},
    // A delegate's own registration: the code in the path is the key.
    {"GET", "/api/registrations/{code}", Access::registration_code},
    {"DELETE", "/api/registrations/{code}", Access::registration_code},
    {"POST", "/api/registrations/{code}/sessions", Access::registration_code},
    {"DELETE", "/api/registrations/{code}/sessions/{session_id}", Access::registration_code},
    // Any signed-in staff member.
    {"POST", "/api/staff/logout", Access::staff},
    {"GET", "/api/staff/me", Access::staff},
    // Admins: accounts, roles, the audit log.
    {"GET", "/api/admin/users", Access::admin},
    {"POST", "/api/admin/users", Access::admin},
    {"POST", "/api/admin/users/{user_id}/disable", Access::admin},
    {"POST", "/api/admin/users/{user_id}/enable", Access::admin},
    {"POST", "/api/admin/users/{user_id}/grants", Access::admin},
    {"DELETE", "/api/admin/users/{user_id}/grants", Access::admin},
    {"GET", "/api/admin/audit", Access::admin},
    // Organiser console: the lists a signed-in staff member gets are narrowed to what they
    // may organise by the handler; everything under an event needs its organiser.
    {"GET", "/api/console/events", Access::staff},
    {"POST", "/api/console/events", Access::organiser_all},
    {"GET", "/api/console/venues", Access::staff},
    {"GET", "/api/events/{id}/console", Access::organiser},
    {"PATCH", "/api/events/{id}", Access::organiser},
    {"POST", "/api/events/{id}/tracks", Access::organiser},
    {"PATCH", "/api/events/{id}/tracks/{track_id}", Access::organiser},
    {"POST", "/api/events/{id}/rooms", Access::organiser},
    {"PATCH", "/api/events/{id}/rooms/{room_id}", Access::organiser},
    {"PATCH", "/api/events/{id}/venue", Access::organiser},
    {"POST", "/api/events/{id}/sessions", Access::organiser},
    {"PATCH", "/api/events/{id}/sessions/{session_id}", Access::organiser},
    {"POST", "/api/events/{id}/sessions/{session_id}/cancel", Access::organiser},
    {"GET", "/api/events/{id}/registrations", Access::organiser},
    {"POST", "/api/events/{id}/registrations/{registration_id}/promote", Access::organiser},
    {"POST", "/api/events/{id}/registrations/{registration_id}/cancel", Access::organiser},
    {"GET", "/api/events/{id}/sessions/{session_id}/enrolments", Access::organiser},
    {"POST", "/api/events/{id}/sessions/{session_id}/enrolments/{registration_id}/promote", Access::organiser},
    {"POST", "/api/events/{id}/sessions/{session_id}/enrolments/{registration_id}/cancel", Access::organiser},
    {"POST", "/api/events/{id}/sessions/{session_id}/enrolments/{registration_id}/move", Access::organiser},
    {"GET", "/api/events/{id}/export/registrations.csv", Access::organiser},
    {"GET", "/api/events/{id}/export/enrolments.csv", Access::organiser},
    {"GET", "/api/events/{id}/activity", Access::organiser},
    // Check-in desks (docs/checkin.md): check-in staff of the event, and its organisers.
    {"POST", "/api/events/{id}/checkin", Access::checkin},
    {"POST", "/api/events/{id}/checkin/sync", Access::checkin},
    {"GET", "/api/events/{id}/checkin/attendees", Access::checkin},
    {"GET", "/api/events/{id}/checkin/search", Access::checkin},
    {"GET", "/api/events/{id}/checkin/stats", Access::checkin},
    {"GET", "/api/events/{id}/checkins", Access::checkin},
    {"POST", "/api/events/{id}/checkins/{checkin_id}/undo", Access::checkin},
    // Reports and badges are the organisers'.
    {"GET", "/api/events/{id}/checkin/duplicates", Access::organiser},
    {"GET", "/api/events/{id}/badges", Access::organiser},
    {"POST", "/api/events/{id}/badges/printed", Access::organiser},
    // A delegate's own badge.
    {"GET", "/api/registrations/{code}/badge", Access::registration_code},
    {"GET", "/api/registrations/{code}/badge.png", Access::registration_code},
    // Official hotels (docs/hotels.md): rooms left are public, hotels and blocks the
    // organisers', a delegate's request is theirs through the code.
    {"GET", "/api/events/{id}/hotels", Access::public_read},
    {"POST", "/api/events/{id}/hotels", Access::organiser},
    {"PATCH", "/api/events/{id}/hotels/{hotel_id}", Access::organiser},
    {"POST", "/api/events/{id}/hotels/{hotel_id}/blocks", Access::organiser},
    {"PATCH", "/api/events/{id}/hotels/{hotel_id}/blocks/{block_id}", Access::organiser},
    {"GET", "/api/events/{id}/hotels/{hotel_id}/rooming", Access::organiser},
    {"GET", "/api/events/{id}/hotels/{hotel_id}/rooming.csv", Access::organiser},
    {"POST", "/api/registrations/{code}/accommodation", Access::registration_code},
    {"GET", "/api/registrations/{code}/accommodation", Access::registration_code},
    {"DELETE", "/api/registrations/{code}/accommodation", Access::registration_code},
    // Visa invitation letters (docs/letters.md): the delegate asks with their code,
    // organisers decide, anyone holding a letter verifies it.
    {"POST", "/api/registrations/{code}/letter", Access::registration_code},
    {"GET", "/api/registrations/{code}/letter", Access::registration_code},
    {"GET", "/api/events/{id}/letters", Access::organiser},
    {"GET", "/api/events/{id}/letters/{letter_id}", Access::organiser},
    {"POST", "/api/events/{id}/letters/{letter_id}/approve", Access::organiser},
    {"POST", "/api/events/{id}/letters/{letter_id}/refuse", Access::organiser},
    {"POST", "/api/events/{id}/letters/{letter_id}/revoke", Access::organiser},
    {"GET", "/api/registrations/{code}/letter/print", Access::registration_code},
    {"GET", "/api/events/{id}/letters/{letter_id}/print", Access::organiser},
    {"GET", "/api/events/{id}/letterhead", Access::organiser},
    {"PATCH", "/api/events/{id}/letterhead", Access::organiser},
    {"GET", "/api/letters/verify/{verification_code}", Access::public_read},
};

// The kinds of caller. "Event X" is the event every {id} names; "Y" is another event.
enum Kind { anonymous, delegate, checkin_x, organiser_y, organiser_x, organiser_all, admin, kind_count };
constexpr std::array<const char*, kind_count> kind_names = {"anonymous",          "delegate",
                                                            "check-in staff of X", "organiser of another event",
                                                            "organiser of X",     "organiser of every event",
                                                            "admin"};

enum class Outcome {
    allowed,     // the access layer lets it through (the handler may still refuse the input)
    refused,     // 401 not_signed_in (no staff session) or 403 forbidden, from the access layer
    needs_code,  // open to all, but the key is the delegate's code: with another, a 4xx (404 once the input is valid)
};
constexpr auto A = Outcome::allowed;
constexpr auto R = Outcome::refused;
constexpr auto K = Outcome::needs_code;

// What each access level means for each kind of caller (docs/staff.md, "Roles"). An admin is
// not implicitly an organiser; organisers of an event may check in at it.
const std::map<Access, std::array<Outcome, kind_count>> outcomes = {
    //                            anonymous delegate checkin-X organiser-Y organiser-X organiser-all admin
    {Access::public_read, /*    */ {A, A, A, A, A, A, A}},
    {Access::public_write, /*   */ {A, A, A, A, A, A, A}},
    {Access::registration_code, {K, A, K, K, K, K, K}},
    {Access::staff, /*          */ {R, R, A, A, A, A, A}},
    {Access::organiser, /*      */ {R, R, R, R, A, A, R}},
    {Access::organiser_all, /*  */ {R, R, R, R, R, A, R}},
    {Access::checkin, /*        */ {R, R, A, R, A, A, R}},
    {Access::admin, /*          */ {R, R, R, R, R, R, A}},
};

bool is_access_refusal(const std::string& code) {
    return code == "not_signed_in" || code == "forbidden" || code == "csrf_failed";
}

bool changes_state(const std::string& method) { return method != "GET" && method != "HEAD"; }

std::string csrf_of(Kind kind) { return "csrf-token-of-" + std::to_string(kind); }

// Stands in for the session cookie: "congress_staff=<kind number>" is that kind of staff.
api::Authenticator test_authenticator(domain::Id event_x, domain::Id event_y) {
    return [event_x, event_y](const api::Request& request, std::function<void(api::Caller)> done) {
        const auto value = std::string(api::cookie_value(request, api::staff_cookie));
        api::Caller caller;
        auto principal = std::make_shared<domain::Principal>();
        principal->email = "kind-" + value + "@example.org";
        using domain::Role;
        if (value == std::to_string(checkin_x)) principal->grants = {{Role::checkin, event_x}};
        else if (value == std::to_string(organiser_y)) principal->grants = {{Role::organiser, event_y}};
        else if (value == std::to_string(organiser_x)) principal->grants = {{Role::organiser, event_x}};
        else if (value == std::to_string(organiser_all)) principal->grants = {{Role::organiser, std::nullopt}};
        else if (value == std::to_string(admin)) principal->grants = {{Role::admin, std::nullopt}};
        else principal.reset();
        if (principal) {
            principal->user_id = 1000 + std::stoi(value);
            caller.staff = std::move(principal);
            caller.csrf_token = csrf_of(static_cast<Kind>(std::stoi(value)));
        }
        done(std::move(caller));
    };
}

class RouteAccess : public ::testing::Test {
protected:
    static constexpr domain::Id event_x = 1;
    static constexpr domain::Id event_y = 2;

    RouteAccess() : api_(options()) {}

    static HarnessOptions options() {
        HarnessOptions o;
        o.authenticator = test_authenticator(event_x, event_y);
        return o;
    }

    void SetUp() override {
        api_.write([this](storage::Connection& conn) {
            conn.exec(R"sql(
                INSERT INTO events (id, slug, title, kind, timezone, starts_at, ends_at, capacity)
                VALUES (1, 'event-x', 'Event X', 'congress', 'Asia/Kolkata', '2099-10-07T03:30:00Z', '2099-10-10T12:00:00Z', 100),
                       (2, 'event-y', 'Event Y', 'colloquium', 'Europe/Madrid', '2099-06-13T07:30:00Z', '2099-06-13T12:30:00Z', 20);
                INSERT INTO sessions (event_id, title, starts_at, ends_at, capacity)
                VALUES (1, 'Opening', '2099-10-07T03:30:00Z', '2099-10-07T05:00:00Z', 50);
            )sql");
            session_id_ = conn.last_insert_rowid();
        });
        target_user_ = api_.add_user("target@example.org", "a long enough password", {{domain::Role::organiser, event_y}}).id;
        // A spare admin, so that the target could be changed freely.
        api_.add_user("spare-admin@example.org", "a long enough password", {{domain::Role::admin, std::nullopt}});
        const auto r = api_.send("POST", "/api/events/1/registrations", R"({"name":"Dee Legate","email":"dee@example.org"})");
        ASSERT_EQ(r.status, 201) << *r.body;
        code_ = json_of(r)["registration"]["code"];
        // Well-formed, but not the delegate's: the same code with its first character changed.
        other_code_ = code_;
        other_code_[0] = code_[0] == code_[1] ? code_[2] : code_[1];
        if (other_code_ == code_) other_code_[0] = code_[0] == 'A' ? 'B' : 'A';
    }

    // The pattern with its parameters filled in for this caller.
    std::string path_for(const std::string& pattern, Kind kind) const {
        std::string path;
        std::istringstream segments(pattern.substr(1));
        std::string segment;
        while (std::getline(segments, segment, '/')) {
            path += '/';
            if (segment.size() < 3 || segment.front() != '{' || segment.back() != '}') {
                path += segment;
                continue;
            }
            const auto name = segment.substr(1, segment.size() - 2);
            if (name == "id") path += std::to_string(event_x);
            else if (name == "code") path += kind == delegate ? code_ : other_code_;
            else if (name == "session_id") path += std::to_string(session_id_);
            else if (name == "user_id") path += std::to_string(target_user_);
            else path += "1";  // another id: the access decision must not depend on it
        }
        return path;
    }

    // `csrf`: send the caller's X-CSRF-Token (staff only).
    api::Response call(const api::Route& route, Kind kind, bool csrf = true) {
        api::Request request;
        request.method = route.method;
        request.target = path_for(route.pattern, kind);
        if (changes_state(route.method)) {
            request.body = "{}";
            request.headers.emplace_back("Content-Type", "application/json");
        }
        if (kind >= checkin_x) {
            request.headers.emplace_back("Cookie", std::string(api::staff_cookie) + "=" + std::to_string(kind));
            if (csrf) request.headers.emplace_back("X-CSRF-Token", csrf_of(kind));
        }
        return api_.send(std::move(request));
    }

    ApiHarness api_;
    domain::Id session_id_ = 0;
    domain::Id target_user_ = 0;
    std::string code_;
    std::string other_code_;
};

std::string describe(const std::string& method, const std::string& pattern) { return method + " " + pattern; }

}  // namespace

TEST_F(RouteAccess, EveryRouteHasARecordedAccessDecision) {
    std::map<std::string, Access> expected;
    for (const auto& row : expected_routes) {
        EXPECT_TRUE(expected.emplace(describe(row.method, row.pattern), row.access).second)
            << "duplicate row in expected_routes: " << describe(row.method, row.pattern);
    }
    std::set<std::string> seen;
    for (const auto& route : api_.router().routes()) {
        const auto key = describe(route.method, route.pattern);
        seen.insert(key);
        const auto it = expected.find(key);
        if (it == expected.end()) {
            ADD_FAILURE() << "New route " << key << " (declared " << api::to_string(route.access)
                          << "): a new route needs an access decision recorded in expected_routes in "
                             "tests/unit/route_access_test.cpp.";
            continue;
        }
        EXPECT_EQ(api::to_string(route.access), api::to_string(it->second))
            << key << " declares a different access than the one recorded in route_access_test.cpp";
    }
    for (const auto& [key, access] : expected)
        EXPECT_TRUE(seen.count(key)) << key << " is recorded in route_access_test.cpp but the router has no such route";
}

TEST_F(RouteAccess, EventRolesAreOnlyGivenToRoutesThatNameTheEvent) {
    // Access::organiser and checkin are checked against {id}; without one nobody would pass.
    for (const auto& route : api_.router().routes()) {
        if (route.access != Access::organiser && route.access != Access::checkin) continue;
        EXPECT_NE(route.pattern.find("{id}"), std::string::npos)
            << route.method << " " << route.pattern << " needs the event as {id} for its " << api::to_string(route.access)
            << " access";
    }
}

TEST_F(RouteAccess, EachKindOfCallerIsAllowedOrRefusedAsItsRoleSays) {
    for (const auto& route : api_.router().routes()) {
        const auto rule = outcomes.find(route.access);
        ASSERT_NE(rule, outcomes.end()) << "no outcomes for access " << api::to_string(route.access);
        for (int k = 0; k < kind_count; ++k) {
            const auto kind = static_cast<Kind>(k);
            const auto r = call(route, kind);
            const auto code = error_code(r);
            SCOPED_TRACE(route.method + " " + path_for(route.pattern, kind) + " as " + kind_names[k] + " -> " +
                         std::to_string(r.status) + " " + (r.body ? *r.body : std::string()));
            switch (rule->second[k]) {
                case Outcome::allowed:
                    EXPECT_FALSE(is_access_refusal(code)) << "refused, but the route's access allows this caller";
                    EXPECT_NE(r.status, 401);
                    EXPECT_NE(r.status, 599) << "not answered";
                    break;
                case Outcome::needs_code:
                    EXPECT_FALSE(is_access_refusal(code));
                    EXPECT_TRUE(r.status == 404 || r.status == 422)
                        << "a registration code that is not theirs must find nothing";
                    break;
                case Outcome::refused:
                    if (kind == anonymous || kind == delegate) {
                        EXPECT_EQ(r.status, 401);
                        EXPECT_EQ(code, "not_signed_in");
                    } else {
                        EXPECT_EQ(r.status, 403);
                        EXPECT_EQ(code, "forbidden");
                    }
                    break;
            }
        }
    }
}

TEST_F(RouteAccess, StaffChangesWithoutTheSessionsCsrfTokenAreRefused) {
    int checked = 0;
    for (const auto& route : api_.router().routes()) {
        if (!api::needs_staff(route.access) || !changes_state(route.method)) continue;
        const auto& row = outcomes.at(route.access);
        for (int k = checkin_x; k < kind_count; ++k) {
            if (row[k] != Outcome::allowed) continue;
            const auto kind = static_cast<Kind>(k);
            SCOPED_TRACE(route.method + " " + route.pattern + " as " + kind_names[k]);
            const auto missing = call(route, kind, false);
            EXPECT_EQ(missing.status, 403);
            EXPECT_EQ(error_code(missing), "csrf_failed");
            // Another caller's token is no better.
            api::Request request;
            request.method = route.method;
            request.target = path_for(route.pattern, kind);
            request.body = "{}";
            request.headers = {{"Content-Type", "application/json"},
                               {"Cookie", std::string(api::staff_cookie) + "=" + std::to_string(kind)},
                               {"X-CSRF-Token", csrf_of(kind == admin ? checkin_x : admin)}};
            EXPECT_EQ(error_code(api_.send(std::move(request))), "csrf_failed");
            ++checked;
        }
    }
    EXPECT_GT(checked, 0);
}

TEST_F(RouteAccess, ReadsNeedNoCsrfToken) {
    for (const auto& route : api_.router().routes()) {
        if (route.method != "GET" || route.access != Access::staff) continue;
        SCOPED_TRACE(route.pattern);
        EXPECT_FALSE(is_access_refusal(error_code(call(route, checkin_x, false))));
    }
}
