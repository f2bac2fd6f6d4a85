// The organiser console's API through the real Router and Database, with a test
// authenticator standing in for staff sign-in: an X-Test-Staff header names the caller.
#include <gtest/gtest.h>

#include <future>
#include <map>

#include <nlohmann/json.hpp>

#include "api/response_cache.hpp"
#include "api/router.hpp"
#include "api/routes.hpp"
#include "api/static_files.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/registration_store.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::api;
using congress::testing::TempDir;
using nlohmann::json;

namespace {

constexpr const char* csrf = "test-csrf-token-0123456789abcdef0123";

// Event 1: a colloquium in Barcelona in 2030 (registration open now), 2 places with a
// waiting list, rooms Auditorium (60) and Small room (10), sessions Opening and Panel.
// Event 2: the board, at the same venue, with its own session and track.
const char* const fixture_sql = R"sql(
    INSERT INTO venues (id, name, timezone) VALUES (1, 'Espai Bonnemaison', 'Europe/Madrid');
    INSERT INTO rooms (id, venue_id, name, capacity) VALUES (1, 1, 'Auditorium', 60), (2, 1, 'Small room', 10);
    INSERT INTO events (id, slug, title, kind, timezone, venue_id, starts_at, ends_at, capacity,
                        registration_opens_at, registration_closes_at, waitlist_enabled)
    VALUES (1, 'colloquium', 'Colloquium', 'colloquium', 'Europe/Madrid', 1, '2030-06-13T07:30:00Z',
            '2030-06-13T12:30:00Z', 2, '2020-01-01T00:00:00Z', '2030-06-12T22:00:00Z', 1);
    INSERT INTO events (id, slug, title, kind, timezone, venue_id, starts_at, ends_at, capacity,
                        registration_opens_at, registration_closes_at)
    VALUES (2, 'board', 'Board', 'meeting', 'Europe/Madrid', 1, '2030-06-14T07:00:00Z', '2030-06-14T10:00:00Z', 20,
            '2020-01-01T00:00:00Z', '2030-06-13T22:00:00Z');
    INSERT INTO tracks (id, event_id, name, position) VALUES (1, 1, 'Women in cities', 1), (2, 2, 'Board', 1);
    INSERT INTO sessions (id, event_id, room_id, track_id, title, starts_at, ends_at, capacity)
    VALUES (1, 1, 1, 1, 'Opening', '2030-06-13T07:30:00Z', '2030-06-13T08:00:00Z', 2),
           (2, 1, 1, 1, 'Panel', '2030-06-13T08:00:00Z', '2030-06-13T09:00:00Z', 60),
           (3, 2, 2, 2, 'Board meeting', '2030-06-14T07:00:00Z', '2030-06-14T09:00:00Z', 10);
)sql";

domain::Principal organiser_of(domain::Id user, std::string email, std::optional<domain::Id> event) {
    return domain::Principal{user, std::move(email), "Test", {{domain::Role::organiser, event}}};
}

struct OrganiserRoutes : ::testing::Test {
    TempDir dir;
    std::unique_ptr<storage::Database> db;
    ResponseCache cache;
    StaticFiles web{std::string(CONGRESS_SOURCE_DIR) + "/web"};
    std::unique_ptr<Services> services;
    Router router;
    std::map<std::string, domain::Principal> staff{
        {"ana", organiser_of(5, "ana@example.org", 1)},      // organises the colloquium
        {"bob", organiser_of(6, "bob@example.org", 2)},      // organises the board
        {"eve", organiser_of(7, "eve@example.org", std::nullopt)},  // organises every event
        {"adm", domain::Principal{8, "adm@example.org", "Admin", {{domain::Role::admin, std::nullopt}}}},
    };

    void SetUp() override {
        {
            storage::Connection setup(dir.file("c.db"), storage::OpenMode::read_write_create);
            storage::configure_writer(setup);
            storage::migrate(setup, storage::builtin_migrations());
            setup.exec(fixture_sql);
        }
        db = std::make_unique<storage::Database>(storage::DatabaseOptions{dir.file("c.db"), 2, true});
        db->set_commit_listener([this](storage::Connection&, const storage::ChangeSet&) { cache.invalidate(); });
        services = std::make_unique<Services>(Services{*db, cache, web});
        add_routes(router, *services);
        router.set_authenticator([this](const Request& request, std::function<void(Caller)> done) {
            const auto who = std::string(request.header("X-Test-Staff"));
            const auto found = staff.find(who);
            if (found == staff.end()) return done(Caller{});
            done(Caller{std::make_shared<const domain::Principal>(found->second), csrf});
        });
    }

    void TearDown() override { db->close(); }

    Response call(const std::string& method, const std::string& target, const std::string& who = "ana",
                  std::optional<json> body = std::nullopt, Headers extra = {}) {
        Request request;
        request.method = method;
        request.target = target;
        split_target(target, request.path, request.query);
        request.request_id = "test-req";
        if (!who.empty()) request.headers.emplace_back("X-Test-Staff", who);
        if (method != "GET") request.headers.emplace_back("X-CSRF-Token", csrf);
        if (body) {
            request.headers.emplace_back("Content-Type", "application/json");
            request.body = body->dump();
        }
        for (auto& header : extra) request.headers.push_back(std::move(header));
        std::promise<Response> answer;
        auto future = answer.get_future();
        auto calls = std::make_shared<std::atomic<int>>(0);
        router.handle(request, [&answer, calls](Response r) {
            if (calls->fetch_add(1) == 0) answer.set_value(std::move(r));
        });
        auto response = future.get();
        EXPECT_EQ(calls->load(), 1) << method << " " << target << " must be answered exactly once";
        if (response.stream) response.body = std::make_shared<const std::string>(drain(*response.stream));
        return response;
    }

    static json body(const Response& r) { return json::parse(*r.body); }

    // A streamed answer's pieces, asked for one after the other as the network layer does.
    static std::string drain(BodyStream& stream) {
        std::string text;
        for (;;) {
            std::promise<std::pair<std::string, bool>> piece;
            auto next = piece.get_future();
            stream.next([&piece](std::string p, bool failed) { piece.set_value({std::move(p), failed}); });
            auto [part, failed] = next.get();
            EXPECT_FALSE(failed) << "the stream was cut short after " << text.size() << " bytes";
            if (part.empty() || failed) return text;
            text += part;
        }
    }
    static std::string code(const Response& r) { return body(r)["error"]["code"]; }

    int count(const std::string& sql) {
        std::promise<int> result;
        db->read([&](storage::Connection& conn) {
            auto stmt = conn.prepare(sql);
            stmt.step();
            result.set_value(stmt.int32(0));
        });
        return result.get_future().get();
    }

    // What an organiser's change leaves behind: a bad request must change none of it.
    std::string footprint() {
        std::promise<std::string> result;
        db->read([&](storage::Connection& conn) {
            std::string text;
            for (const char* sql :
                 {"SELECT count(*) FROM audit_log", "SELECT group_concat(schedule_version) FROM events",
                  "SELECT count(*) FROM sessions", "SELECT count(*) FROM tracks", "SELECT count(*) FROM rooms",
                  "SELECT count(*) FROM events", "SELECT group_concat(title || capacity || starts_at || ifnull(room_id, '-')) FROM sessions",
                  "SELECT group_concat(status) FROM registrations", "SELECT group_concat(capacity) FROM events"}) {
                auto stmt = conn.prepare(sql);
                stmt.step();
                text += (stmt.is_null(0) ? std::string("null") : stmt.text(0)) + "|";
            }
            result.set_value(text);
        });
        return result.get_future().get();
    }

    std::string register_delegate(const std::string& name, const std::string& email, domain::Id event = 1) {
        const auto r = call("POST", "/api/events/" + std::to_string(event) + "/registrations", "",
                            json{{"name", name}, {"email", email}});
        EXPECT_EQ(r.status, 201) << *r.body;
        return body(r)["registration"]["code"];
    }

    domain::Id registration_id(const std::string& email) {
        return count("SELECT id FROM registrations WHERE email = '" + email + "'");
    }
};

}  // namespace

// --- who may ----------------------------------------------------------------------------

TEST_F(OrganiserRoutes, TheConsoleListsOnlyTheEventsTheCallerOrganises) {
    auto r = call("GET", "/api/console/events", "ana");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(body(r)["events"].size(), 1u);
    EXPECT_EQ(body(r)["events"][0]["slug"], "colloquium");
    EXPECT_FALSE(body(r)["can_create"]);
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    r = call("GET", "/api/console/events", "eve");
    EXPECT_EQ(body(r)["events"].size(), 2u);
    EXPECT_TRUE(body(r)["can_create"]);
    EXPECT_EQ(body(call("GET", "/api/console/events", "adm"))["events"].size(), 0u);  // an admin is not an organiser
}

TEST_F(OrganiserRoutes, WithoutSignInEveryConsoleRouteIs401) {
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/api/console/events"},
             {"GET", "/api/events/1/console"},
             {"GET", "/api/events/1/registrations"},
             {"GET", "/api/events/1/export/registrations.csv"},
             {"PATCH", "/api/events/1"},
             {"POST", "/api/events/1/sessions"}}) {
        const auto r = call(method, target, "", json::object());
        EXPECT_EQ(r.status, 401) << method << " " << target;
        EXPECT_EQ(code(r), "not_signed_in");
    }
}

TEST_F(OrganiserRoutes, AnOrganiserOfAnotherEventIsRefusedAndNothingChanges) {
    const auto before = footprint();
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/api/events/1/console"},
             {"GET", "/api/events/1/registrations"},
             {"GET", "/api/events/1/sessions/1/enrolments"},
             {"GET", "/api/events/1/export/registrations.csv"},
             {"GET", "/api/events/1/export/enrolments.csv"},
             {"GET", "/api/events/1/activity"},
             {"PATCH", "/api/events/1"},
             {"POST", "/api/events/1/tracks"},
             {"PATCH", "/api/events/1/rooms/1"},
             {"POST", "/api/events/1/sessions"},
             {"PATCH", "/api/events/1/sessions/1"},
             {"POST", "/api/events/1/sessions/1/cancel"}}) {
        const auto r = call(method, target, "bob", json{{"title", "Hijacked"}, {"name", "X"}, {"reason", "x"}});
        EXPECT_EQ(r.status, 403) << method << " " << target;
        EXPECT_EQ(code(r), "forbidden");
    }
    EXPECT_EQ(call("POST", "/api/console/events", "ana", json{{"slug", "x"}}).status, 403);  // not every event
    EXPECT_EQ(footprint(), before);
}

TEST_F(OrganiserRoutes, AChangeWithoutTheCsrfTokenIsRefused) {
    Request request;
    request.method = "PATCH";
    request.target = request.path = "/api/events/1";
    request.headers = {{"X-Test-Staff", "ana"}, {"Content-Type", "application/json"}};
    request.body = R"({"title":"Forged"})";
    std::promise<Response> answer;
    router.handle(request, [&](Response r) { answer.set_value(std::move(r)); });
    const auto r = answer.get_future().get();
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(code(r), "csrf_failed");
}

TEST_F(OrganiserRoutes, SomethingOfAnotherEventNamedInThePathIs404) {
    const auto board_member = register_delegate("Board member", "bm@x.org", 2);
    (void)board_member;
    const auto before = footprint();
    const auto other = std::to_string(registration_id("bm@x.org"));
    const json title{{"title", "Hijacked"}}, reason{{"reason", "Because"}};
    const std::vector<std::tuple<std::string, std::string, json, std::string>> cases{
        {"PATCH", "/api/events/1/sessions/3", title, "session_not_found"},
        {"POST", "/api/events/1/sessions/3/cancel", reason, "session_not_found"},
        {"GET", "/api/events/1/sessions/3/enrolments", json::object(), "session_not_found"},
        {"PATCH", "/api/events/1/tracks/2", json{{"name", "X"}}, "track_not_found"},
        {"POST", "/api/events/1/registrations/" + other + "/promote", reason, "registration_not_found"},
        {"POST", "/api/events/1/registrations/" + other + "/cancel", reason, "registration_not_found"},
        {"POST", "/api/events/1/sessions/1/enrolments/" + other + "/cancel", reason, "registration_not_found"},
        {"POST", "/api/events/1/sessions/3/enrolments/" + other + "/promote", reason, "session_not_found"},
        {"POST", "/api/events/1/sessions/3/enrolments/" + other + "/move", json{{"reason", "x"}, {"to_session_id", 1}},
         "session_not_found"},
        {"PATCH", "/api/events/1/sessions/abc", title, "session_not_found"},
        {"PATCH", "/api/events/1/sessions/999", title, "session_not_found"},
    };
    for (const auto& [method, target, request_body, expected] : cases) {
        const auto r = call(method, target, "ana", request_body);
        EXPECT_EQ(r.status, 404) << method << " " << target << ": " << *r.body;
        EXPECT_EQ(code(r), expected) << method << " " << target;
    }
    EXPECT_EQ(footprint(), before);
}

// --- bad input ----------------------------------------------------------------------------

TEST_F(OrganiserRoutes, BadInputIsA4xxAndWritesNothing) {
    const auto before = footprint();
    const std::vector<std::tuple<std::string, std::string, json, int, std::string>> cases{
        {"PATCH", "/api/events/1", json{{"title", ""}}, 422, "title"},
        {"PATCH", "/api/events/1", json{{"timezone", "Mars/Olympus"}}, 422, "timezone"},
        {"PATCH", "/api/events/1", json{{"ends_at", "2030-06-13T08:00"}, {"starts_at", "2030-06-13T09:00"}}, 422, "ends_at"},
        {"PATCH", "/api/events/1", json{{"capacity", -1}}, 422, "capacity"},
        {"PATCH", "/api/events/1", json{{"capacity", "many"}}, 422, "capacity"},
        {"PATCH", "/api/events/1", json{{"slug", "Not A Slug"}}, 422, "slug"},
        {"PATCH", "/api/events/1", json{{"eligibility", json{{"dues_paid_years", {"2013"}}}}}, 422, "eligibility"},
        {"PATCH", "/api/events/1", json{{"titel", "typo"}}, 422, "titel"},
        {"PATCH", "/api/events/1", json{{"starts_at", "13/06/2030 09:00"}}, 422, "starts_at"},
        {"POST", "/api/events/1/sessions", json{{"title", "No time"}}, 422, "starts_at"},
        {"POST", "/api/events/1/sessions",
         json{{"title", "Bad kind"}, {"starts_at", "2030-06-13T11:00"}, {"ends_at", "2030-06-13T12:00"}, {"kind", "party"}}, 422, "kind"},
        {"POST", "/api/events/1/sessions",
         json{{"title", "Outside"}, {"starts_at", "2030-06-13T18:00"}, {"ends_at", "2030-06-13T19:00"}, {"capacity", 5}}, 422, "starts_at"},
        {"POST", "/api/events/1/sessions",
         json{{"title", "Ctrl\u0007"}, {"starts_at", "2030-06-13T11:00"}, {"ends_at", "2030-06-13T12:00"}, {"capacity", 5}}, 422, "title"},
        {"POST", "/api/events/1/sessions",
         json{{"title", "Far room"}, {"starts_at", "2030-06-13T11:00"}, {"ends_at", "2030-06-13T12:00"}, {"room_id", 99}}, 422, "room_id"},
        {"POST", "/api/events/1/tracks", json{{"description", "no name"}}, 422, "name"},
        {"POST", "/api/events/1/rooms", json{{"name", "No capacity"}}, 422, "capacity"},
        {"PATCH", "/api/events/1/sessions/1", json{{"speakers", "not a list"}}, 422, "speakers"},
        {"POST", "/api/events/1/sessions/1/cancel", json::object(), 422, "reason"},
        {"POST", "/api/events/1/sessions/1/cancel", json{{"reason", "   "}}, 422, "reason"},
    };
    for (const auto& [method, target, request_body, status, field] : cases) {
        const auto r = call(method, target, "ana", request_body);
        EXPECT_EQ(r.status, status) << method << " " << target << " " << request_body.dump() << ": " << *r.body;
        if (r.status == 422) {
            EXPECT_EQ(body(r)["error"]["field"], field) << request_body.dump();
        }
    }
    // JSON that is not an object, and no JSON at all.
    EXPECT_EQ(call("PATCH", "/api/events/1", "ana", json::array({1})).status, 400);
    EXPECT_EQ(call("PATCH", "/api/events/1", "ana", std::nullopt).status, 415);
    EXPECT_EQ(footprint(), before);
}

TEST_F(OrganiserRoutes, ADoubleBookedRoomIs409NamingTheOtherSession) {
    const auto before = footprint();
    const auto r = call("POST", "/api/events/1/sessions", "ana",
                        json{{"title", "Clash"}, {"starts_at", "2030-06-13T10:30"}, {"ends_at", "2030-06-13T11:30"},
                             {"room_id", 1}, {"capacity", 20}});
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(code(r), "room_double_booked");
    EXPECT_EQ(body(r)["error"]["session"]["id"], 2);
    EXPECT_EQ(body(r)["error"]["session"]["title"], "Panel");
    EXPECT_EQ(body(r)["error"]["session"]["starts_at"], "2030-06-13T10:00:00+02:00");
    const auto moved = call("PATCH", "/api/events/1/sessions/1", "ana", json{{"starts_at", "2030-06-13T10:15"}});
    EXPECT_EQ(moved.status, 409);
    EXPECT_EQ(body(moved)["error"]["session"]["title"], "Panel");
    EXPECT_EQ(footprint(), before);
}

TEST_F(OrganiserRoutes, ACapacityAboveTheRoomIs422NamingCapacity) {
    const auto before = footprint();
    auto r = call("PATCH", "/api/events/1/sessions/2", "ana", json{{"capacity", 61}});
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(code(r), "capacity_above_room");
    EXPECT_EQ(body(r)["error"]["field"], "capacity");
    r = call("POST", "/api/events/1/sessions", "ana",
             json{{"title", "Big"}, {"starts_at", "2030-06-13T11:00"}, {"ends_at", "2030-06-13T12:00"}, {"room_id", 2},
                  {"capacity", 11}});
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(body(r)["error"]["field"], "capacity");
    EXPECT_EQ(footprint(), before);
}

// --- the programme --------------------------------------------------------------------------

TEST_F(OrganiserRoutes, AnEventOrganiserOfEveryEventCreatesAnEventAndEditsIt) {
    auto r = call("POST", "/api/console/events", "eve",
                  json{{"slug", "seoul-miti-2030"},
                       {"title", "MITI: water supply"},
                       {"kind", "workshop"},
                       {"timezone", "Asia/Seoul"},
                       {"starts_at", "2030-11-20T09:00"},
                       {"ends_at", "2030-11-21T18:00"},
                       {"registration_closes_at", "2030-11-10T00:00"},
                       {"capacity", 40},
                       {"description", "Line one\n\nLine two"},
                       {"eligibility", json{{"dues_paid_years", {2030, 2029, 2030}}}},
                       {"venue", json{{"name", "SHRDC"}, {"city", "Seoul"}}}});
    ASSERT_EQ(r.status, 201) << *r.body;
    const auto event = body(r)["event"];
    EXPECT_EQ(event["starts_at"], "2030-11-20T09:00:00+09:00");
    EXPECT_EQ(event["registration_closes_at"], "2030-11-10T00:00:00+09:00");
    EXPECT_EQ(event["eligibility"]["dues_paid_years"], json({2029, 2030}));
    EXPECT_EQ(event["venue"]["name"], "SHRDC");
    EXPECT_EQ(event["description"], "Line one\n\nLine two");
    const auto id = event["id"].get<int>();

    r = call("PATCH", "/api/events/" + std::to_string(id), "eve",
             json{{"registration_closes_at", nullptr}, {"waitlist_enabled", false}, {"eligibility", nullptr}});
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_TRUE(body(r)["event"]["registration_closes_at"].is_null());
    EXPECT_FALSE(body(r)["event"]["waitlist_enabled"]);
    EXPECT_TRUE(body(r)["event"]["eligibility"].is_null());
    // The public programme shows it at once (the commit dropped the cached reads).
    EXPECT_EQ(body(call("GET", "/api/events/seoul-miti-2030", ""))["title"], "MITI: water supply");
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action IN ('event.create', 'event.update') AND actor_user_id = 7"), 2);

    r = call("POST", "/api/console/events", "eve", json{{"slug", "seoul-miti-2030"}, {"title", "Dup"}, {"kind", "workshop"},
                                                         {"timezone", "Asia/Seoul"}, {"starts_at", "2030-11-20T09:00"},
                                                         {"ends_at", "2030-11-21T18:00"}, {"capacity", 4}});
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(code(r), "slug_taken");
}

TEST_F(OrganiserRoutes, ANewSessionIsAnsweredAndPublishedWithANewScheduleVersion) {
    const auto cached = call("GET", "/api/events/1", "");  // fills the public cache
    EXPECT_EQ(body(cached)["schedule_version"], 1);
    const auto r = call("POST", "/api/events/1/sessions", "ana",
                        json{{"title", "Workshop"},
                             {"starts_at", "2030-06-13T11:00"},
                             {"ends_at", "2030-06-13T12:00"},
                             {"room_id", 2},
                             {"track_id", 1},
                             {"kind", "workshop"},
                             {"speakers", {"Ada Colau", "Ana Botella"}}});
    ASSERT_EQ(r.status, 201) << *r.body;
    EXPECT_EQ(body(r)["session"]["title"], "Workshop");
    EXPECT_EQ(body(r)["session"]["capacity"], 10);
    EXPECT_EQ(body(r)["session"]["starts_at"], "2030-06-13T11:00:00+02:00");
    EXPECT_EQ(body(r)["session"]["speakers"].size(), 2u);
    EXPECT_EQ(body(r)["schedule_version"], 2);
    const auto fresh = call("GET", "/api/events/1", "");
    EXPECT_EQ(body(fresh)["schedule_version"], 2);
    EXPECT_EQ(body(fresh)["sessions"].size(), 3u);
    EXPECT_EQ(count("SELECT count(*) FROM schedule_changes WHERE change ->> '$.change' = 'added'"), 1);
}

TEST_F(OrganiserRoutes, TheReasonGivenForANewSessionIsAudited) {
    const auto r = call("POST", "/api/events/1/sessions", "ana",
                        json{{"title", "Extra panel"},
                             {"starts_at", "2030-06-13T11:00"},
                             {"ends_at", "2030-06-13T12:00"},
                             {"room_id", 2},
                             {"reason", "Demand from the waiting list"}});
    ASSERT_EQ(r.status, 201) << *r.body;
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'session.create' AND reason = 'Demand from the waiting list'"),
              1);
}

TEST_F(OrganiserRoutes, MovingAndCancellingASessionBumpTheVersionAndAreAudited) {
    auto r = call("PATCH", "/api/events/1/sessions/1", "ana",
                  json{{"starts_at", "2030-06-13T12:00"}, {"room_id", 2}, {"reason", "Bigger crowd elsewhere"}});
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(body(r)["session"]["room"]["name"], "Small room");
    EXPECT_EQ(body(r)["session"]["ends_at"], "2030-06-13T12:30:00+02:00");
    EXPECT_EQ(body(r)["schedule_version"], 2);
    r = call("POST", "/api/events/1/sessions/2/cancel", "ana", json{{"reason", "Speaker ill"}});
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(body(r)["session"]["status"], "cancelled");
    EXPECT_EQ(body(r)["schedule_version"], 3);
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'session.cancel' AND reason = 'Speaker ill'"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'session.move' AND reason = 'Bigger crowd elsewhere'"), 1);
    r = call("POST", "/api/events/1/sessions/2/cancel", "ana", json{{"reason", "Again"}});
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(code(r), "session_cancelled");
}

TEST_F(OrganiserRoutes, TracksAndRoomsAreCreatedAndEdited) {
    auto r = call("POST", "/api/events/1/tracks", "ana", json{{"name", "Safety"}, {"description", "Public space"}});
    ASSERT_EQ(r.status, 201) << *r.body;
    EXPECT_EQ(body(r)["track"]["position"], 2);
    const auto track = std::to_string(body(r)["track"]["id"].get<int>());
    r = call("PATCH", "/api/events/1/tracks/" + track, "ana", json{{"name", "Safety in public space"}});
    EXPECT_EQ(body(r)["track"]["name"], "Safety in public space");
    r = call("POST", "/api/events/1/rooms", "ana", json{{"name", "Terrace"}, {"capacity", 30}});
    ASSERT_EQ(r.status, 201) << *r.body;
    EXPECT_EQ(body(r)["room"]["capacity"], 30);
    r = call("PATCH", "/api/events/1/rooms/1", "ana", json{{"capacity", 59}});
    EXPECT_EQ(r.status, 409);  // documented as 409 before issue 7: kept, and now names the field
    EXPECT_EQ(code(r), "room_smaller_than_session");
    EXPECT_EQ(body(r)["error"]["field"], "capacity");
    // The small room is also the board's: Ana does not organise the board.
    r = call("PATCH", "/api/events/1/rooms/2", "ana", json{{"name", "Sala petita"}});
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(code(r), "room_shared");
    EXPECT_EQ(call("PATCH", "/api/events/1/rooms/2", "eve", json{{"name", "Sala petita"}}).status, 200);
}

TEST_F(OrganiserRoutes, AnIdempotencyKeyMakesADoubleClickCreateOneTrack) {
    const Headers key{{"Idempotency-Key", "click-1"}};
    const auto first = call("POST", "/api/events/1/tracks", "ana", json{{"name", "Once"}}, key);
    const auto second = call("POST", "/api/events/1/tracks", "ana", json{{"name", "Once"}}, key);
    EXPECT_EQ(first.status, 201);
    EXPECT_EQ(second.status, 201);
    EXPECT_EQ(second.header("Idempotent-Replayed"), "true");
    EXPECT_EQ(body(first)["track"]["id"], body(second)["track"]["id"]);
    EXPECT_EQ(count("SELECT count(*) FROM tracks WHERE name = 'Once'"), 1);
    EXPECT_EQ(call("POST", "/api/events/1/tracks", "ana", json{{"name", "Other"}}, key).status, 422);
}

// --- registrations -------------------------------------------------------------------------

TEST_F(OrganiserRoutes, TheRegistrationsTableIsSearchedFilteredAndPaged) {
    register_delegate("José Ñúñez", "jose@bcn.cat");
    register_delegate("Ana Ruiz", "ana@example.org");
    register_delegate("Pat", "pat@x.org");  // waiting list
    auto r = call("GET", "/api/events/1/registrations");
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(body(r)["total"], 3);
    EXPECT_EQ(body(r)["counts"]["confirmed"], 2);
    EXPECT_EQ(body(r)["counts"]["waitlisted"], 1);
    EXPECT_EQ(body(r)["registrations"][0]["name"], "José Ñúñez");
    EXPECT_FALSE(body(r)["registrations"][0].contains("code"));  // the delegate's key is never listed
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    r = call("GET", "/api/events/1/registrations?q=%C3%91%C3%BA%C3%B1ez");
    EXPECT_EQ(body(r)["total"], 1);
    r = call("GET", "/api/events/1/registrations?status=waitlisted");
    EXPECT_EQ(body(r)["registrations"][0]["waitlist_position"], 1);
    r = call("GET", "/api/events/1/registrations?per_page=2&page=2&sort=name");
    EXPECT_EQ(body(r)["registrations"].size(), 1u);
    EXPECT_EQ(body(r)["registrations"][0]["name"], "Pat");
    r = call("GET", "/api/events/1/registrations?q=ana+ruiz");
    EXPECT_EQ(body(r)["total"], 1);
    r = call("GET", "/api/events/1/registrations?status=maybe");
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(body(r)["error"]["field"], "status");
    EXPECT_EQ(call("GET", "/api/events/1/registrations?per_page=1000").status, 422);
    EXPECT_EQ(call("GET", "/api/events/1/registrations?member=perhaps").status, 422);
}

TEST_F(OrganiserRoutes, ManualChangesNeedAReasonAreAuditedAndRespectCapacity) {
    register_delegate("A", "a@x.org");
    register_delegate("B", "b@x.org");
    const auto c_code = register_delegate("C", "c@x.org");
    const auto c = std::to_string(registration_id("c@x.org"));
    const auto before = footprint();
    auto r = call("POST", "/api/events/1/registrations/" + c + "/promote", "ana", json::object());
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(body(r)["error"]["field"], "reason");
    r = call("POST", "/api/events/1/registrations/" + c + "/promote", "ana", json{{"reason", "Speaker's assistant"}});
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(code(r), "event_full");
    EXPECT_EQ(footprint(), before);

    r = call("POST", "/api/events/1/registrations/" + c + "/promote", "ana",
             json{{"reason", "Speaker's assistant"}, {"override_capacity", true}});
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(body(r)["registration"]["status"], "confirmed");
    EXPECT_EQ(count("SELECT capacity FROM events WHERE id = 1"), 3);
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'registration.promote' AND reason = 'Speaker''s assistant'"
                    " AND actor_label = 'ana@example.org' AND request_id = 'test-req'"),
              1);

    const auto a = std::to_string(registration_id("a@x.org"));
    r = call("POST", "/api/events/1/registrations/" + a + "/cancel", "ana", json{{"reason", "Asked by phone"}});
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(body(r)["registration"]["status"], "cancelled");
    // The delegate's own page sees it.
    EXPECT_EQ(body(call("GET", "/api/registrations/" + c_code, ""))["registration"]["status"], "confirmed");
}

TEST_F(OrganiserRoutes, EnrolmentsAreListedPerSessionAndMovedByHand) {
    const auto a_code = register_delegate("A", "a@x.org");
    const auto a = std::to_string(registration_id("a@x.org"));
    ASSERT_EQ(call("POST", "/api/registrations/" + a_code + "/sessions", "", json{{"session_id", 2}}).status, 201);
    auto r = call("GET", "/api/events/1/sessions/2/enrolments");
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(body(r)["total"], 1);
    EXPECT_EQ(body(r)["registrations"][0]["status"], "confirmed");
    r = call("POST", "/api/events/1/sessions/2/enrolments/" + a + "/move", "ana",
             json{{"to_session_id", 1}, {"reason", "Wanted the opening"}});
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(body(call("GET", "/api/events/1/sessions/1/enrolments"))["total"], 1);
    EXPECT_EQ(body(call("GET", "/api/events/1/sessions/2/enrolments"))["total"], 0);
    r = call("POST", "/api/events/1/sessions/1/enrolments/" + a + "/move", "ana", json{{"to_session_id", 3}, {"reason", "x"}});
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(body(r)["error"]["field"], "to_session_id");
    r = call("POST", "/api/events/1/sessions/1/enrolments/" + a + "/cancel", "ana", json{{"reason", "No show"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action LIKE 'enrolment.%'"), 2);
}

TEST_F(OrganiserRoutes, ExportsAreSpreadsheetSafeCsvAndAudited) {
    register_delegate("=HYPERLINK(\"http://evil\",\"x\")", "evil@x.org");
    register_delegate("Ruiz, Ana", "ana@example.org");
    auto r = call("GET", "/api/events/1/export/registrations.csv");
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
    EXPECT_EQ(r.header("Content-Disposition"), "attachment; filename=\"colloquium-registrations.csv\"");
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    const auto& text = *r.body;
    EXPECT_EQ(text.substr(0, 3), "\xEF\xBB\xBF");
    EXPECT_NE(text.find("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"Ruiz, Ana\""), std::string::npos);
    EXPECT_NE(text.find("registered_at (Europe/Madrid)"), std::string::npos);
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'registrations.export' AND event_id = 1"), 1);

    r = call("GET", "/api/events/1/export/enrolments.csv?session=2");
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(r.header("Content-Disposition"), "attachment; filename=\"colloquium-enrolments.csv\"");
    EXPECT_EQ(call("GET", "/api/events/1/export/enrolments.csv?session=3").status, 404);
}

TEST_F(OrganiserRoutes, TheActivityFeedShowsRegistrationsAndStaffChanges) {
    register_delegate("A", "a@x.org");
    ASSERT_EQ(call("POST", "/api/events/1/sessions/2/cancel", "ana", json{{"reason", "Speaker ill"}}).status, 200);
    auto r = call("GET", "/api/events/1/activity?limit=1");
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(body(r)["items"].size(), 1u);
    EXPECT_EQ(body(r)["items"][0]["type"], "staff");
    EXPECT_EQ(body(r)["items"][0]["action"], "session.cancel");
    EXPECT_EQ(body(r)["items"][0]["reason"], "Speaker ill");
    const auto next = body(r)["next"].get<std::string>();
    r = call("GET", "/api/events/1/activity?before=" + next);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(body(r)["items"].size(), 1u);
    EXPECT_EQ(body(r)["items"][0]["type"], "registered");
    EXPECT_EQ(body(r)["items"][0]["registration"]["name"], "A");
    EXPECT_TRUE(body(r)["next"].is_null());
    EXPECT_EQ(call("GET", "/api/events/1/activity?before=garbage").status, 422);
}

TEST_F(OrganiserRoutes, TheConsolePagesAreServed) {
    for (const char* page : {"/console", "/console/events/1"}) {
        const auto r = call("GET", page, "");
        EXPECT_EQ(r.status, 200) << page;
        EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << page;
    }
}

// --- venues and rooms (issue 7) ----------------------------------------------------------

TEST_F(OrganiserRoutes, TheVenueInfoIsEditedPerLanguageAuditedAndPublic) {
    // The venue is shared with the board: only Eve, who organises both, may change it.
    const auto before = footprint();
    auto r = call("PATCH", "/api/events/1/venue", "ana", json{{"map_url", "https://maps.example.org/b"}});
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(code(r), "venue_shared");
    EXPECT_EQ(footprint(), before);

    r = call("PATCH", "/api/events/1/venue", "eve",
             json{{"address", "Carrer de Sant Pere més Baix 7"},
                  {"map_url", "https://www.openstreetmap.org/?mlat=41.3878&mlon=2.1781"},
                  {"info", {{"fr", {{"wifi", "Réseau Bonnemaison"}, {"access", "Par la cour"}}}, {"en", {{"wifi", "Bonnemaison"}}}}}});
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(body(r)["venue"]["map_url"], "https://www.openstreetmap.org/?mlat=41.3878&mlon=2.1781");
    EXPECT_EQ(body(r)["venue"]["info"]["fr"]["wifi"], "Réseau Bonnemaison");
    EXPECT_EQ(body(r)["venue"]["info"]["es"]["wifi"], "");
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'venue.update' AND entity_id = 1 AND event_id = 1"), 1);

    // The public event keeps its venue fields and gains the new ones.
    r = call("GET", "/api/events/1", "");
    ASSERT_EQ(r.status, 200);
    const auto venue = body(r)["venue"];
    EXPECT_EQ(venue["id"], 1);
    EXPECT_EQ(venue["name"], "Espai Bonnemaison");
    EXPECT_EQ(venue["address"], "Carrer de Sant Pere més Baix 7");
    EXPECT_TRUE(venue.contains("city"));
    EXPECT_TRUE(venue.contains("country"));
    EXPECT_EQ(venue["info"]["fr"]["access"], "Par la cour");
    EXPECT_EQ(venue["info"]["en"]["wifi"], "Bonnemaison");

    // A partial edit keeps the other notes; null clears one; the board's page changes too.
    r = call("PATCH", "/api/events/2/venue", "eve", json{{"info", {{"fr", {{"wifi", nullptr}}}}}});
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(body(r)["venue"]["info"]["fr"]["wifi"], "");
    EXPECT_EQ(body(r)["venue"]["info"]["fr"]["access"], "Par la cour");
    EXPECT_EQ(body(call("GET", "/api/events/1", ""))["venue"]["info"]["fr"]["wifi"], "");
}

TEST_F(OrganiserRoutes, BadVenueAndRoomInputIsRefusedNamingTheFieldAndWritesNothing) {
    const auto before = footprint();
    const auto notes_before = count("SELECT count(*) FROM venue_notes");
    const std::string long_text(2001, 'x');
    const std::vector<std::tuple<std::string, std::string, json, std::string>> cases{
        {"PATCH", "/api/events/1/venue", json{{"map_url", "javascript:alert(1)"}}, "map_url"},
        {"PATCH", "/api/events/1/venue", json{{"map_url", "ftp://maps.example.org"}}, "map_url"},
        {"PATCH", "/api/events/1/venue", json{{"map_url", "https://"}}, "map_url"},
        {"PATCH", "/api/events/1/venue", json{{"map_url", "https://maps example.org"}}, "map_url"},
        {"PATCH", "/api/events/1/venue", json{{"info", {{"de", {{"wifi", "WLAN"}}}}}}, "info.de"},
        {"PATCH", "/api/events/1/venue", json{{"info", {{"fr", {{"parking", "non"}}}}}}, "info.fr.parking"},
        {"PATCH", "/api/events/1/venue", json{{"info", {{"fr", {{"wifi", long_text}}}}}}, "info.fr.wifi"},
        {"PATCH", "/api/events/1/venue", json{{"info", {{"es", {{"access", 12}}}}}}, "info.es.access"},
        {"PATCH", "/api/events/1/venue", json{{"info", "wifi"}}, "info"},
        {"PATCH", "/api/events/1/venue", json{{"name", "renamed"}}, "name"},
        {"PATCH", "/api/events/1/rooms/1", json{{"floor", std::string(41, 'f')}}, "floor"},
        {"PATCH", "/api/events/1/rooms/1", json{{"equipment", "projector"}}, "equipment"},
        {"PATCH", "/api/events/1/rooms/1", json{{"equipment", {"projector", ""}}}, "equipment"},
        {"PATCH", "/api/events/1/rooms/1", json{{"equipment", {std::string(61, 'e')}}}, "equipment"},
        {"PATCH", "/api/events/1/rooms/1", json{{"equipment", json::array({1, 2})}}, "equipment"},
        {"POST", "/api/events/1/rooms", json{{"name", "Hall"}, {"capacity", 5}, {"equipment", json::array({json::object()})}},
         "equipment"},
    };
    for (const auto& [method, target, request_body, field] : cases) {
        const auto r = call(method, target, "eve", request_body);
        EXPECT_EQ(r.status, 422) << method << " " << target << " " << request_body.dump() << ": " << *r.body;
        EXPECT_EQ(body(r)["error"]["field"], field) << request_body.dump();
    }
    // Below a session's places: a conflict with the programme (409, as documented), naming
    // the field; the floor sent with it is not written either.
    const auto smaller = call("PATCH", "/api/events/1/rooms/1", "eve", json{{"capacity", 59}, {"floor", "2"}});
    EXPECT_EQ(smaller.status, 409) << *smaller.body;
    EXPECT_EQ(body(smaller)["error"]["field"], "capacity");
    EXPECT_EQ(footprint(), before);
    EXPECT_EQ(count("SELECT count(*) FROM venue_notes"), notes_before);
    EXPECT_EQ(count("SELECT count(*) FROM venues WHERE map_url IS NOT NULL"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM rooms WHERE floor <> '' OR equipment <> '[]'"), 0);
}

TEST_F(OrganiserRoutes, ARoomGetsAFloorAndEquipmentShownWithItsSessions) {
    auto r = call("PATCH", "/api/events/1/rooms/1", "ana",
                  json{{"floor", "1"}, {"equipment", {"projector", " interpretation booths ", "projector"}}});
    ASSERT_EQ(r.status, 200) << *r.body;
    EXPECT_EQ(body(r)["room"]["floor"], "1");
    EXPECT_EQ(body(r)["room"]["equipment"], json::array({"projector", "interpretation booths"}));
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'room.update' AND json_extract(after_json, '$.floor') = '1'"), 1);
    r = call("POST", "/api/events/1/rooms", "ana", json{{"name", "Terrace"}, {"capacity", 30}, {"floor", "Roof"}});
    ASSERT_EQ(r.status, 201) << *r.body;
    EXPECT_EQ(body(r)["room"]["floor"], "Roof");
    EXPECT_EQ(body(r)["room"]["equipment"], json::array());
    const auto event = body(call("GET", "/api/events/1", ""));
    EXPECT_EQ(event["sessions"][0]["room"]["floor"], "1");
    EXPECT_EQ(event["sessions"][0]["room"]["name"], "Auditorium");
    EXPECT_EQ(event["sessions"][0]["room"]["equipment"][0], "projector");
}
