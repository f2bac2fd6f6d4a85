// The read API and the web UI of the real server, over real TCP, on the demo programme.
#include <gtest/gtest.h>

#include <map>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"

namespace congress::it {
namespace {

using nlohmann::json;

constexpr const char* hyderabad_slug = "hyderabad-2014";
constexpr const char* colloquium_slug = "barcelona-women-colloquium-2014";

const std::vector<std::string> event_fields = {
    "id",        "slug",     "title",     "kind",       "starts_at",  "ends_at",
    "timezone",  "venue",    "capacity",  "confirmed",  "waitlisted", "seats_left",
    "registration_opens_at", "registration_closes_at"};

const std::vector<std::string> session_fields = {"id",       "title",     "track",      "room",   "starts_at", "ends_at",
                                                 "capacity", "confirmed", "seats_left", "status", "speakers"};

class Api : public SharedServerTest<DefaultServer> {
protected:
    // GET that must answer 200 with a JSON body; the parsed body.
    static json get_json(const std::string& target) {
        const auto r = get(port(), target);
        EXPECT_EQ(r.status, 200) << "GET " << target << ": " << r.error << r.body;
        EXPECT_TRUE(starts_with(r.header("Content-Type"), "application/json"))
            << "GET " << target << " Content-Type: " << r.header("Content-Type");
        auto body = parse_json(r.body);
        EXPECT_FALSE(body.is_discarded()) << "GET " << target << " is not JSON: " << r.body.substr(0, 500);
        return body;
    }

    static json find_event(const json& list, const std::string& slug) {
        if (!list.is_object() || !list.contains("events") || !list["events"].is_array()) return nullptr;
        for (const auto& e : list["events"])
            if (e.is_object() && e.value("slug", "") == slug) return e;
        return nullptr;
    }

    static std::string date_part(const std::string& rfc3339) { return rfc3339.substr(0, 10); }
};

using WebUi = Api;

void expect_fields(const json& object, const std::vector<std::string>& fields, const std::string& what) {
    ASSERT_TRUE(object.is_object()) << what << " is not an object: " << object.dump().substr(0, 300);
    for (const auto& field : fields) EXPECT_TRUE(object.contains(field)) << what << " has no \"" << field << "\"";
}

// RFC 3339 with an explicit numeric offset (the event's zone), e.g. 2014-10-07T09:00:00+05:30.
::testing::AssertionResult is_zoned_time(const json& value) {
    if (!value.is_string()) return ::testing::AssertionFailure() << value.dump() << " is not a string";
    const auto text = value.get<std::string>();
    if (!parse_rfc3339(text)) return ::testing::AssertionFailure() << "\"" << text << "\" is not RFC 3339";
    if (ends_with(text, "Z")) return ::testing::AssertionFailure() << "\"" << text << "\" is UTC, not the event's offset";
    return ::testing::AssertionSuccess();
}

long long instant(const json& value) { return parse_rfc3339(value.get<std::string>()).value_or(0); }

TEST_F(Api, HealthAnswersOk) {
    const auto r = get(port(), "/api/health");
    ASSERT_EQ(r.status, 200) << r.error;
    EXPECT_TRUE(starts_with(r.header("Content-Type"), "application/json")) << r.header("Content-Type");
    EXPECT_EQ(parse_json(r.body), (json{{"status", "ok"}})) << r.body;
}

TEST_F(Api, EveryAnswerCarriesARequestIdAndNoSniff) {
    for (const char* target : {"/api/health", "/api/events", "/api/nope", "/", "/css/app.css"}) {
        const auto r = get(port(), target);
        ASSERT_NE(r.status, 0) << target << ": " << r.error;
        EXPECT_FALSE(r.header("X-Request-Id").empty()) << target;
        EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff") << target;
    }
}

TEST_F(Api, EveryAnswerCarriesTheSecurityHeaders) {
    for (const char* target : {"/api/health", "/api/nope", "/", "/events/hyderabad-2014", "/js/api.js"}) {
        const auto r = get(port(), target);
        ASSERT_NE(r.status, 0) << target << ": " << r.error;
        const auto csp = r.header("Content-Security-Policy");
        EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << target << ": " << csp;
        EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << target << ": " << csp;
        EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << target << ": " << csp;
        EXPECT_EQ(r.header("X-Frame-Options"), "DENY") << target;
        EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer") << target;
        EXPECT_FALSE(r.has_header("Strict-Transport-Security")) << target << ": HSTS only over TLS";
    }
}

TEST_F(Api, EventListHasTheHyderabadCongressWithEveryPromisedField) {
    const auto list = get_json("/api/events");
    ASSERT_TRUE(list.is_object() && list.contains("events") && list["events"].is_array()) << list.dump().substr(0, 300);
    EXPECT_GE(list["events"].size(), 2u);
    for (const auto& event : list["events"]) expect_fields(event, event_fields, "event " + event.value("slug", "?"));

    const auto congress = find_event(list, hyderabad_slug);
    ASSERT_TRUE(congress.is_object()) << "no event with slug " << hyderabad_slug;
    EXPECT_TRUE(congress["id"].is_number_integer());
    EXPECT_EQ(congress["kind"], "congress");
    EXPECT_EQ(congress["timezone"], "Asia/Kolkata");
    EXPECT_TRUE(congress["title"].is_string() && !congress["title"].get<std::string>().empty());
    ASSERT_TRUE(congress["venue"].is_object()) << congress["venue"];
    EXPECT_EQ(congress["venue"].value("city", ""), "Hyderabad");
    EXPECT_TRUE(congress["capacity"].is_number_integer());
    EXPECT_EQ(congress["seats_left"].get<long long>(),
              congress["capacity"].get<long long>() - congress["confirmed"].get<long long>());
}

TEST_F(Api, EventTimesAreRfc3339InTheEventsOwnOffset) {
    const auto list = get_json("/api/events");
    ASSERT_TRUE(list.contains("events"));
    for (const auto& event : list["events"]) {
        const auto slug = event.value("slug", "?");
        EXPECT_TRUE(is_zoned_time(event["starts_at"])) << slug;
        EXPECT_TRUE(is_zoned_time(event["ends_at"])) << slug;
        for (const char* field : {"registration_opens_at", "registration_closes_at"}) {
            if (!event[field].is_null()) {
                EXPECT_TRUE(is_zoned_time(event[field])) << slug << " " << field;
            }
        }
        if (event["starts_at"].is_string() && event["ends_at"].is_string()) {
            EXPECT_LT(instant(event["starts_at"]), instant(event["ends_at"])) << slug;
        }
    }
    const auto congress = find_event(list, hyderabad_slug);
    ASSERT_TRUE(congress.is_object());
    EXPECT_TRUE(ends_with(congress["starts_at"].get<std::string>(), "+05:30")) << congress["starts_at"];
    EXPECT_TRUE(ends_with(congress["ends_at"].get<std::string>(), "+05:30")) << congress["ends_at"];
}

TEST_F(Api, ColloquiumRegistrationClosesAtLocalMidnightStartingTheEventDay) {
    const auto colloquium = find_event(get_json("/api/events"), colloquium_slug);
    ASSERT_TRUE(colloquium.is_object()) << "no event with slug " << colloquium_slug;
    EXPECT_EQ(colloquium["timezone"], "Europe/Madrid");
    const auto starts = colloquium["starts_at"].get<std::string>();
    EXPECT_TRUE(ends_with(starts, "+01:00") || ends_with(starts, "+02:00")) << starts;
    EXPECT_TRUE(ends_with(colloquium["ends_at"].get<std::string>(), starts.substr(starts.size() - 6)))
        << colloquium["ends_at"] << " vs " << starts;
    // "Register before 12 June" for a 13 June colloquium: closes at the end of the day
    // before, i.e. 00:00 local on the event's own date.
    ASSERT_TRUE(colloquium["registration_closes_at"].is_string()) << colloquium["registration_closes_at"];
    const auto closes = colloquium["registration_closes_at"].get<std::string>();
    EXPECT_TRUE(is_zoned_time(colloquium["registration_closes_at"]));
    EXPECT_EQ(date_part(closes), date_part(starts)) << closes << " vs " << starts;
    EXPECT_EQ(closes.substr(10, 9), "T00:00:00") << closes;
    EXPECT_TRUE(ends_with(closes, "+01:00") || ends_with(closes, "+02:00")) << closes;
    EXPECT_LT(instant(colloquium["registration_closes_at"]), instant(colloquium["starts_at"]));
}

TEST_F(Api, EventByIdAndBySlugGiveTheSameProgramme) {
    const auto summary = find_event(get_json("/api/events"), hyderabad_slug);
    ASSERT_TRUE(summary.is_object());
    const auto id = std::to_string(summary["id"].get<long long>());

    const auto by_id = get(port(), "/api/events/" + id);
    const auto by_slug = get(port(), std::string("/api/events/") + hyderabad_slug);
    ASSERT_EQ(by_id.status, 200) << by_id.error << by_id.body;
    ASSERT_EQ(by_slug.status, 200) << by_slug.error << by_slug.body;
    EXPECT_TRUE(starts_with(by_id.header("Content-Type"), "application/json")) << by_id.header("Content-Type");
    const auto programme = parse_json(by_id.body);
    ASSERT_FALSE(programme.is_discarded());
    EXPECT_EQ(programme, parse_json(by_slug.body));

    expect_fields(programme, event_fields, "programme");
    for (const auto& field : event_fields) EXPECT_EQ(programme[field], summary[field]) << field;
    EXPECT_TRUE(programme.contains("schedule_version") && programme["schedule_version"].is_number_integer());
    ASSERT_TRUE(programme.contains("tracks") && programme["tracks"].is_array());
    EXPECT_EQ(programme["tracks"].size(), 4u) << programme["tracks"].dump();
    ASSERT_TRUE(programme.contains("sessions") && programme["sessions"].is_array());
    ASSERT_FALSE(programme["sessions"].empty());
    for (const auto& session : programme["sessions"]) {
        const auto what = "session " + session.value("title", "?");
        expect_fields(session, session_fields, what);
        EXPECT_TRUE(session["id"].is_number_integer()) << what;
        EXPECT_TRUE(session["speakers"].is_array()) << what;
        EXPECT_TRUE(session["status"].is_string()) << what;
        EXPECT_TRUE(session["track"].is_null() || session["track"].is_object()) << what;
        EXPECT_TRUE(session["room"].is_null() || session["room"].is_object()) << what;
        EXPECT_TRUE(is_zoned_time(session["starts_at"])) << what;
        EXPECT_TRUE(ends_with(session["starts_at"].get<std::string>(), "+05:30")) << what;
    }
}

TEST_F(Api, EverySessionLiesWithinItsEvent) {
    const auto list = get_json("/api/events");
    ASSERT_TRUE(list.contains("events"));
    std::size_t checked = 0;
    for (const auto& summary : list["events"]) {
        const auto programme = get_json("/api/events/" + std::to_string(summary["id"].get<long long>()));
        ASSERT_TRUE(programme.is_object() && programme.contains("sessions"));
        const auto event_start = instant(programme["starts_at"]);
        const auto event_end = instant(programme["ends_at"]);
        for (const auto& session : programme["sessions"]) {
            const auto what = programme.value("slug", "?") + ": " + session.value("title", "?") + " " +
                              session["starts_at"].dump() + "–" + session["ends_at"].dump() + " in " +
                              programme["starts_at"].dump() + "–" + programme["ends_at"].dump();
            ASSERT_TRUE(is_zoned_time(session["starts_at"])) << what;
            ASSERT_TRUE(is_zoned_time(session["ends_at"])) << what;
            const auto start = instant(session["starts_at"]);
            const auto end = instant(session["ends_at"]);
            EXPECT_GE(start, event_start) << what;
            EXPECT_LE(start, event_end) << what;
            EXPECT_LT(start, end) << what;
            EXPECT_LE(end, event_end) << what;
            ++checked;
        }
    }
    EXPECT_GE(checked, 37u) << "the demo programme has at least the 37 Hyderabad sessions";
}

TEST_F(Api, EventResponsesCarryAnETagAndRevalidateWith304) {
    for (const auto& target : std::vector<std::string>{"/api/events", std::string("/api/events/") + hyderabad_slug}) {
        const auto first = get(port(), target);
        ASSERT_EQ(first.status, 200) << target << ": " << first.error;
        const auto etag = first.header("ETag");
        ASSERT_FALSE(etag.empty()) << target << " has no ETag";

        const auto again = get(port(), target, {{"If-None-Match", etag}});
        EXPECT_EQ(again.status, 304) << target << ": " << again.error;
        EXPECT_TRUE(again.body.empty()) << target << ": " << again.body.substr(0, 200);
        EXPECT_EQ(again.header("ETag"), etag) << target;

        const auto stale = get(port(), target, {{"If-None-Match", "\"not-the-etag\""}});
        EXPECT_EQ(stale.status, 200) << target;
        EXPECT_EQ(stale.body, first.body) << target;
    }
}

TEST_F(Api, NotModifiedHasNoBodyOnTheWire) {
    const auto etag = get(port(), "/api/events").header("ETag");
    ASSERT_FALSE(etag.empty());
    // Keep-alive: any stray body bytes after the 304 would corrupt the next response.
    Connection connection(port());
    ASSERT_TRUE(connection.connected()) << connection.error();
    ASSERT_TRUE(connection.send(format_request("GET", "/api/events", {{"If-None-Match", etag}}, {}, true)));
    const auto not_modified = connection.read_response();
    EXPECT_EQ(not_modified.status, 304) << not_modified.error;
    ASSERT_TRUE(connection.send(format_request("GET", "/api/health")));
    const auto next = connection.read_response();
    EXPECT_EQ(next.status, 200) << next.error;
    EXPECT_EQ(parse_json(next.body), (json{{"status", "ok"}})) << next.body;
}

TEST_F(Api, ErrorsAreJsonWithCodeAndMessage) {
    const auto r = get(port(), "/api/events/999999");
    EXPECT_EQ(r.status, 404);
    EXPECT_TRUE(is_json_error(r, "event_not_found"));
    const auto route = get(port(), "/api/no-such-thing");
    EXPECT_EQ(route.status, 404);
    EXPECT_TRUE(is_json_error(route, "not_found"));
}

TEST_F(Api, HeadGivesTheLengthWithoutTheBody) {
    const auto full = get(port(), "/api/events");
    ASSERT_EQ(full.status, 200) << full.error;

    Connection connection(port());
    ASSERT_TRUE(connection.connected()) << connection.error();
    ASSERT_TRUE(connection.send(format_request("HEAD", "/api/events")));
    const auto raw = connection.read_until_close();  // "Connection: close": everything the server sends
    Response head;
    const auto used = parse_response(raw, true, true, head);
    ASSERT_EQ(head.status, 200) << head.error << raw.substr(0, 300);
    EXPECT_EQ(head.header("Content-Length"), std::to_string(full.body.size()));
    EXPECT_TRUE(starts_with(head.header("Content-Type"), "application/json"));
    EXPECT_EQ(used, raw.size()) << "bytes after the head of a HEAD response: " << raw.substr(used, 200);
}

TEST_F(Api, KeepAliveServesSeveralRequestsOnOneConnection) {
    Connection connection(port());
    ASSERT_TRUE(connection.connected()) << connection.error();

    ASSERT_TRUE(connection.send(format_request("HEAD", "/api/events", {}, {}, true)));
    const auto head = connection.read_response(true);
    ASSERT_EQ(head.status, 200) << head.error;
    EXPECT_NE(head.header("Connection"), "close");

    ASSERT_TRUE(connection.send(format_request("GET", "/api/health", {}, {}, true)));
    const auto health = connection.read_response();
    ASSERT_EQ(health.status, 200) << health.error;
    EXPECT_EQ(parse_json(health.body), (json{{"status", "ok"}})) << health.body;

    ASSERT_TRUE(connection.send(format_request("GET", "/api/events")));
    const auto events = connection.read_response();
    ASSERT_EQ(events.status, 200) << events.error;
    EXPECT_EQ(std::to_string(events.body.size()), head.header("Content-Length"));
    EXPECT_TRUE(parse_json(events.body).contains("events"));
    // We asked for "Connection: close" on the last one.
    EXPECT_TRUE(connection.wait_for_close());
}

TEST_F(Api, EveryHeaderIsSentOnceAndTheHandlersOwnWins) {
    // The server writes the head itself: a header a handler sets replaces the default of
    // that name (registrations are no-store, event reads no-cache), and none is repeated.
    const auto registration = request(port(), "POST", "/api/events/hyderabad-2014/registrations",
                                      {{"Content-Type", "application/json"}},
                                      R"({"name":"Head Check","email":"head.check@example.org"})");
    const auto answers = {get(port(), "/api/events"), get(port(), "/api/events/999999"), registration,
                          request(port(), "DELETE", "/api/health")};
    for (const auto& r : answers) {
        ASSERT_NE(r.status, 0) << r.error;
        std::map<std::string, int> seen;
        for (const auto& [name, value] : r.headers) {
            std::string lower(name);
            for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            EXPECT_EQ(++seen[lower], 1) << "header " << name << " repeated in a " << r.status;
            EXPECT_EQ(value.find_first_of("\r\n"), std::string::npos);
        }
        EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body.size())) << r.status;
        EXPECT_EQ(r.header("Server"), "congress");
    }
    EXPECT_EQ(registration.status, 201) << registration.body;
    EXPECT_EQ(registration.header("Cache-Control"), "no-store");
    EXPECT_EQ(get(port(), "/api/events").header("Cache-Control"), "no-cache");
}

TEST_F(WebUi, HomePageIsHtml) {
    const auto r = get(port(), "/");
    ASSERT_EQ(r.status, 200) << r.error;
    EXPECT_TRUE(starts_with(r.header("Content-Type"), "text/html")) << r.header("Content-Type");
    EXPECT_EQ(r.body, read_text_file(web_root() + "/index.html"));
}

TEST_F(WebUi, EventPageIsServedForEventRoutes) {
    const auto summary = find_event(get_json("/api/events"), hyderabad_slug);
    ASSERT_TRUE(summary.is_object());
    const auto page = read_text_file(web_root() + "/event.html");
    ASSERT_FALSE(page.empty());
    for (const auto& target : std::vector<std::string>{"/events/" + std::to_string(summary["id"].get<long long>()),
                                                      std::string("/events/") + hyderabad_slug}) {
        const auto r = get(port(), target);
        ASSERT_EQ(r.status, 200) << target << ": " << r.error;
        EXPECT_TRUE(starts_with(r.header("Content-Type"), "text/html")) << target << ": " << r.header("Content-Type");
        EXPECT_EQ(r.body, page) << target;
    }
}

TEST_F(WebUi, StylesAndScriptsHaveTheirContentTypes) {
    const auto css = get(port(), "/css/app.css");
    ASSERT_EQ(css.status, 200) << css.error;
    EXPECT_TRUE(starts_with(css.header("Content-Type"), "text/css")) << css.header("Content-Type");
    EXPECT_EQ(css.body, read_text_file(web_root() + "/css/app.css"));

    const auto js = get(port(), "/js/event.js");
    ASSERT_EQ(js.status, 200) << js.error;
    EXPECT_TRUE(starts_with(js.header("Content-Type"), "text/javascript")) << js.header("Content-Type");
    EXPECT_EQ(js.body, read_text_file(web_root() + "/js/event.js"));
}

TEST_F(WebUi, StaticFilesRevalidateWith304) {
    const auto first = get(port(), "/js/event.js");
    ASSERT_EQ(first.status, 200) << first.error;
    const auto etag = first.header("ETag");
    ASSERT_FALSE(etag.empty());
    const auto again = get(port(), "/js/event.js", {{"If-None-Match", etag}});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
}

TEST_F(WebUi, MissingFileIsAJsonNotFound) {
    const auto r = get(port(), "/js/no-such-script.js");
    EXPECT_EQ(r.status, 404);
    EXPECT_TRUE(is_json_error(r, "not_found"));
}

}  // namespace
}  // namespace congress::it
