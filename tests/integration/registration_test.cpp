// The registration API end to end over real HTTP on the demo programme: registering,
// reading and cancelling a registration, refusing bad input without writing anything,
// idempotent repeats, session enrolment, eligibility and the waiting list.
//
// One server per suite (see SharedServerTest): every test uses its own e-mail addresses
// and measures seat counts before and after, so the tests do not depend on each other's
// order. Only the waiting-list test fills an event (the Seoul water-supply workshop), and
// no other test touches that event.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"

namespace congress::it {
namespace {

using nlohmann::json;

constexpr const char* hyderabad_slug = "hyderabad-2014";
constexpr const char* colloquium_slug = "barcelona-women-colloquium-2014";
constexpr const char* assembly_slug = "hyderabad-2014-general-assembly";
constexpr const char* seoul_water_slug = "seoul-miti-water-supply-2014";
constexpr const char* mexico_slug = "mexico-miti-obesity-2014";

// A well-formed code (26 base32 characters) that no registration has.
constexpr const char* unknown_code = "aaaaaaaaaaaaaaaaaaaaaaaaaa";

// An e-mail address no other request of this process used.
std::string unique_email(const std::string& tag) {
    static std::atomic<int> counter{0};
    return tag + "-" + std::to_string(++counter) + "@example.org";
}

json delegate(const std::string& tag) { return {{"name", "Delegate " + tag}, {"email", unique_email(tag)}}; }

::testing::AssertionResult is_code(const json& value) {
    if (!value.is_string()) return ::testing::AssertionFailure() << value.dump() << " is not a string";
    auto code = value.get<std::string>();
    if (code.size() != 26) return ::testing::AssertionFailure() << "\"" << code << "\" has " << code.size() << " characters, not 26";
    for (const char c : code)
        if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')))
            return ::testing::AssertionFailure() << "\"" << code << "\" is not lower-case base32";
    return ::testing::AssertionSuccess();
}

// A 4xx JSON error with this code whose error.field names `field`.
::testing::AssertionResult is_field_error(const Response& r, std::string_view field) {
    if (r.status != 422) return ::testing::AssertionFailure() << "status " << r.status << " " << r.error << r.body.substr(0, 300);
    if (auto json_error = is_json_error(r, "invalid_field"); !json_error) return json_error << " " << r.body.substr(0, 300);
    auto body = parse_json(r.body);
    if (!body["error"].contains("field") || body["error"]["field"] != field)
        return ::testing::AssertionFailure() << "error.field is " << body["error"].value("field", json()).dump()
                                             << ", expected \"" << field << "\": " << r.body;
    return ::testing::AssertionSuccess();
}

struct Seats {
    long long capacity = -1;
    long long confirmed = -1;
    long long waitlisted = -1;
    long long seats_left = -1;
};

class Registration : public SharedServerTest<DefaultServer> {
protected:
    // GET that must answer 200 with a JSON body; the parsed body (discarded if not).
    static json get_json(const std::string& target) {
        auto r = get(port(), target);
        EXPECT_EQ(r.status, 200) << "GET " << target << ": " << r.error << r.body.substr(0, 300);
        return parse_json(r.body);
    }

    static json programme(const std::string& slug) { return get_json("/api/events/" + slug); }

    static long long event_id(const std::string& slug) {
        auto event = programme(slug);
        return event.is_object() && event.contains("id") ? event["id"].get<long long>() : -1;
    }

    static Seats seats(const std::string& slug) {
        auto e = programme(slug);
        if (!e.is_object() || !e.contains("confirmed")) return {};
        return Seats{e["capacity"].get<long long>(), e["confirmed"].get<long long>(), e["waitlisted"].get<long long>(),
                     e["seats_left"].get<long long>()};
    }

    static json session_of(const json& event, long long session_id) {
        for (const auto& s : event["sessions"])
            if (s["id"] == session_id) return s;
        return nullptr;
    }

    static long long session_confirmed(const std::string& slug, long long session_id) {
        auto s = session_of(programme(slug), session_id);
        return s.is_object() ? s["confirmed"].get<long long>() : -1;
    }

    static std::string registrations_of(const std::string& slug) {
        return "/api/events/" + std::to_string(event_id(slug)) + "/registrations";
    }

    static Response register_for(const std::string& slug, const json& body, Headers headers = {}) {
        return post_json(port(), registrations_of(slug), body, std::move(headers));
    }

    // Registers and returns the registration object; fails the test unless it is a 201.
    static json register_ok(const std::string& slug, const json& body) {
        auto r = register_for(slug, body);
        EXPECT_EQ(r.status, 201) << "register for " << slug << " " << body.dump() << ": " << r.error << r.body;
        auto parsed = parse_json(r.body);
        if (parsed.is_discarded() || !parsed.contains("registration")) return json::object();
        return parsed["registration"];
    }

    static Response get_registration(const std::string& code) { return get(port(), "/api/registrations/" + code); }
    static Response cancel(const std::string& code) { return request(port(), "DELETE", "/api/registrations/" + code); }
    static Response enrol(const std::string& code, const json& body, Headers headers = {}) {
        return post_json(port(), "/api/registrations/" + code + "/sessions", body, std::move(headers));
    }
    static Response enrol(const std::string& code, long long session_id) {
        return enrol(code, json{{"session_id", session_id}});
    }
    static Response leave(const std::string& code, long long session_id) {
        return request(port(), "DELETE", "/api/registrations/" + code + "/sessions/" + std::to_string(session_id));
    }

    // The registration of a GET by code (null if it is not a 200).
    static json fetch(const std::string& code) {
        auto r = get_registration(code);
        if (r.status != 200) return nullptr;
        auto body = parse_json(r.body);
        return body.is_object() && body.contains("registration") ? body["registration"] : json(nullptr);
    }

    // Two scheduled sessions of the Hyderabad programme whose times overlap (earlier first).
    static std::pair<json, json> overlapping_sessions() {
        auto event = programme(hyderabad_slug);
        const auto& sessions = event["sessions"];
        for (std::size_t i = 0; i < sessions.size(); ++i) {
            for (std::size_t j = i + 1; j < sessions.size(); ++j) {
                const auto& a = sessions[i];
                const auto& b = sessions[j];
                if (a["status"] != "scheduled" || b["status"] != "scheduled") continue;
                auto a_start = parse_rfc3339(a["starts_at"].get<std::string>()).value_or(0);
                auto a_end = parse_rfc3339(a["ends_at"].get<std::string>()).value_or(0);
                auto b_start = parse_rfc3339(b["starts_at"].get<std::string>()).value_or(0);
                auto b_end = parse_rfc3339(b["ends_at"].get<std::string>()).value_or(0);
                if (a_start < b_end && b_start < a_end) return {a, b};
            }
        }
        return {nullptr, nullptr};
    }

    // The id in GET /api/organisations of the demo organisation whose dues_paid list in the
    // demo file is exactly `dues` (a member), or -1.
    static long long member_with_dues(const std::vector<int>& dues, std::string* name = nullptr) {
        auto demo = parse_json(read_text_file(demo_file()));
        if (!demo.is_object() || !demo.contains("organisations")) return -1;
        auto listed = get_json("/api/organisations");
        if (!listed.contains("organisations")) return -1;
        for (const auto& org : demo["organisations"]) {
            if (!org.value("member", false) || org.value("dues_paid", json::array()) != json(dues)) continue;
            for (const auto& o : listed["organisations"]) {
                if (o["name"] == org["name"] && o["city"] == org.value("city", "") && o["member"] == true) {
                    if (name) *name = o["name"].get<std::string>();
                    return o["id"].get<long long>();
                }
            }
        }
        return -1;
    }
};

TEST_F(Registration, RegisteringGivesACodeAndTakesOneSeat) {
    auto before = seats(hyderabad_slug);
    const json body = {{"name", "Aruna Reddy"},
                       {"email", unique_email("aruna")},
                       {"organisation", "Greater Hyderabad Municipal Corporation"},
                       {"language", "en"}};
    auto r = register_for(hyderabad_slug, body);
    ASSERT_EQ(r.status, 201) << r.error << r.body;
    EXPECT_TRUE(starts_with(r.header("Content-Type"), "application/json")) << r.header("Content-Type");
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
    auto answer = parse_json(r.body);
    ASSERT_TRUE(answer.is_object() && answer.contains("registration")) << r.body;
    auto& registration = answer["registration"];
    ASSERT_TRUE(is_code(registration["code"])) << r.body;
    EXPECT_EQ(registration["status"], "confirmed");
    EXPECT_TRUE(registration["waitlist_position"].is_null()) << r.body;
    EXPECT_EQ(registration["name"], body["name"]);
    EXPECT_EQ(registration["email"], body["email"]);
    EXPECT_EQ(registration["organisation"], body["organisation"]);
    EXPECT_EQ(registration["language"], "en");
    EXPECT_TRUE(registration["member_organisation_id"].is_null());
    EXPECT_EQ(registration["event"]["slug"], hyderabad_slug);
    EXPECT_EQ(registration["event"]["id"], event_id(hyderabad_slug));
    EXPECT_TRUE(ends_with(registration["created_at"].get<std::string>(), "+05:30")) << registration["created_at"];
    EXPECT_EQ(registration["sessions"], json::array());

    auto code = registration["code"].get<std::string>();
    auto again = get_registration(code);
    ASSERT_EQ(again.status, 200) << again.error << again.body;
    EXPECT_EQ(again.header("Cache-Control"), "no-store");
    EXPECT_EQ(parse_json(again.body), answer) << again.body;

    auto after = seats(hyderabad_slug);
    EXPECT_EQ(after.confirmed, before.confirmed + 1);
    EXPECT_EQ(after.seats_left, before.seats_left - 1);
    EXPECT_EQ(after.waitlisted, before.waitlisted);
}

TEST_F(Registration, SameEmailInAnotherCaseIsAlreadyRegistered) {
    auto email = unique_email("casefold");
    register_ok(hyderabad_slug, {{"name", "First"}, {"email", email}});
    auto before = seats(hyderabad_slug);
    std::string shouted = email;
    std::transform(shouted.begin(), shouted.end(), shouted.begin(), [](unsigned char c) { return std::toupper(c); });
    auto r = register_for(hyderabad_slug, {{"name", "Second"}, {"email", shouted}});
    EXPECT_EQ(r.status, 409) << r.error << r.body;
    EXPECT_TRUE(is_json_error(r, "already_registered")) << r.body;
    EXPECT_EQ(seats(hyderabad_slug).confirmed, before.confirmed);
    // Another event takes the same address.
    register_ok(colloquium_slug, {{"name", "First"}, {"email", email}});
}

TEST_F(Registration, InvalidFieldsAre422NamingTheFieldAndWriteNothing) {
    struct Case {
        const char* what;
        json body;
        const char* field;
    };
    auto email = [] { return unique_email("invalid"); };
    const std::vector<Case> cases = {
        {"missing name", {{"email", email()}}, "name"},
        {"null name", {{"name", nullptr}, {"email", email()}}, "name"},
        {"name is a number", {{"name", 42}, {"email", email()}}, "name"},
        {"name is an array", {{"name", json::array({"Ana"})}, {"email", email()}}, "name"},
        {"empty name", {{"name", ""}, {"email", email()}}, "name"},
        {"blank name", {{"name", "   "}, {"email", email()}}, "name"},
        {"name with U+0001", {{"name", "Ana\u0001Lopez"}, {"email", email()}}, "name"},
        {"name with a newline", {{"name", "Ana\nLopez"}, {"email", email()}}, "name"},
        {"name with U+0085 (C1)", {{"name", "Ana\u0085Lopez"}, {"email", email()}}, "name"},
        {"201-character name", {{"name", std::string(201, 'a')}, {"email", email()}}, "name"},
        {"missing email", {{"name", "Ana"}}, "email"},
        {"email without @", {{"name", "Ana"}, {"email", "ana.example.org"}}, "email"},
        {"email without domain", {{"name", "Ana"}, {"email", "ana@"}}, "email"},
        {"email with a space", {{"name", "Ana"}, {"email", "ana lopez@example.org"}}, "email"},
        {"email is a number", {{"name", "Ana"}, {"email", 7}}, "email"},
        {"255-character email", {{"name", "Ana"}, {"email", "a@" + std::string(249, 'b') + ".org"}}, "email"},
        {"201-character organisation",
         {{"name", "Ana"}, {"email", email()}, {"organisation", std::string(201, 'o')}},
         "organisation"},
        {"member_organisation_id as string", {{"name", "Ana"}, {"email", email()}, {"member_organisation_id", "1"}},
         "member_organisation_id"},
        {"member_organisation_id negative", {{"name", "Ana"}, {"email", email()}, {"member_organisation_id", -3}},
         "member_organisation_id"},
        {"member_organisation_id fractional", {{"name", "Ana"}, {"email", email()}, {"member_organisation_id", 1.5}},
         "member_organisation_id"},
        {"language de", {{"name", "Ana"}, {"email", email()}, {"language", "de"}}, "language"},
        {"language is a number", {{"name", "Ana"}, {"email", email()}, {"language", 1}}, "language"},
    };
    auto before = seats(hyderabad_slug);
    for (const auto& c : cases) {
        auto r = register_for(hyderabad_slug, c.body);
        EXPECT_TRUE(is_field_error(r, c.field)) << c.what << ": " << c.body.dump().substr(0, 200);
        auto now = seats(hyderabad_slug);
        EXPECT_EQ(now.confirmed, before.confirmed) << c.what << " wrote a registration";
        EXPECT_EQ(now.waitlisted, before.waitlisted) << c.what << " wrote a registration";
    }
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(Registration, LongestNameIsCountedInCharactersNotBytes) {
    // 200 characters are allowed even when each one takes two bytes in UTF-8.
    std::string name;
    for (int i = 0; i < 200; ++i) name += "\xc3\xa9";  // é
    auto registration = register_ok(hyderabad_slug, {{"name", name}, {"email", unique_email("long")}});
    EXPECT_EQ(registration.value("name", ""), name);
}

TEST_F(Registration, BodyThatIsNotAJsonObjectInUtf8Is400InvalidJson) {
    const std::vector<std::pair<const char*, std::string>> bodies = {
        {"truncated JSON", R"({"name":"Ana","email":"ana@example.org")"},
        {"not JSON at all", "name=Ana&email=ana@example.org"},
        {"empty body", ""},
        {"an array", R"([{"name":"Ana","email":"ana@example.org"}])"},
        {"a string", R"("Ana")"},
        {"trailing garbage", R"({"name":"Ana","email":"ana@example.org"} x)"},
        {"invalid UTF-8 bytes in a string", "{\"name\":\"Ana \xff\xfe L\xc3\",\"email\":\"ana-utf8@example.org\"}"},
        {"overlong UTF-8 encoding", "{\"name\":\"Ana \xc0\xaf\",\"email\":\"ana-overlong@example.org\"}"},
        {"UTF-16 surrogate in UTF-8", "{\"name\":\"Ana \xed\xa0\x80\",\"email\":\"ana-surrogate@example.org\"}"},
    };
    auto target = registrations_of(hyderabad_slug);
    auto before = seats(hyderabad_slug);
    for (const auto& [what, body] : bodies) {
        auto r = request(port(), "POST", target, {{"Content-Type", "application/json"}}, body);
        EXPECT_EQ(r.status, 400) << what << ": " << r.error << r.body.substr(0, 300);
        EXPECT_TRUE(is_json_error(r, "invalid_json")) << what;
        EXPECT_EQ(seats(hyderabad_slug).confirmed, before.confirmed) << what << " wrote a registration";
    }
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(Registration, BodyWithoutJsonContentTypeIs415) {
    auto body = delegate("mediatype").dump();
    auto target = registrations_of(hyderabad_slug);
    auto before = seats(hyderabad_slug);
    const std::vector<Headers> header_sets = {
        {},
        {{"Content-Type", "text/plain"}},
        {{"Content-Type", "application/x-www-form-urlencoded"}},
        {{"Content-Type", "multipart/form-data; boundary=x"}},
    };
    for (const auto& headers : header_sets) {
        auto what = headers.empty() ? std::string("no Content-Type") : headers[0].second;
        auto r = request(port(), "POST", target, headers, body);
        EXPECT_EQ(r.status, 415) << what << ": " << r.error << r.body.substr(0, 300);
        EXPECT_TRUE(is_json_error(r, "unsupported_media_type")) << what;
        EXPECT_EQ(seats(hyderabad_slug).confirmed, before.confirmed) << what << " wrote a registration";
    }
    // A charset parameter is fine.
    auto ok = request(port(), "POST", target, {{"Content-Type", "application/json; charset=utf-8"}}, body);
    EXPECT_EQ(ok.status, 201) << ok.error << ok.body;
}

TEST_F(Registration, TenMegabyteNameIs413AndWritesNothing) {
    auto before = seats(hyderabad_slug);
    const json body = {{"name", std::string(10 * 1024 * 1024, 'n')}, {"email", unique_email("huge")}};
    auto r = post_json(port(), registrations_of(hyderabad_slug), body, {}, std::chrono::seconds(30));
    EXPECT_EQ(r.status, 413) << r.error;
    EXPECT_TRUE(is_json_error(r, "body_too_large")) << r.body.substr(0, 300);
    EXPECT_TRUE(still_serving(port()));
    EXPECT_EQ(seats(hyderabad_slug).confirmed, before.confirmed);
}

TEST_F(Registration, UnknownEventIsEventNotFound) {
    for (const char* target : {"/api/events/999999/registrations", "/api/events/0/registrations",
                               "/api/events/no-such-event/registrations"}) {
        auto r = post_json(port(), target, delegate("noevent"));
        EXPECT_EQ(r.status, 404) << target << ": " << r.error << r.body;
        EXPECT_TRUE(is_json_error(r, "event_not_found")) << target;
    }
}

TEST_F(Registration, UnknownOrMalformedCodeIsRegistrationNotFound) {
    const std::vector<std::string> codes = {unknown_code,
                                            "nope",
                                            "AAAAAAAAAAAAAAAAAAAAAAAAAA",        // upper case
                                            "aaaaaaaaaaaaaaaaaaaaaaaaa1",        // 1 is not base32
                                            "aaaaaaaaaaaaaaaaaaaaaaaaaaa",       // 27 characters
                                            "aaaaaaaaaaaaaaaaaaaaaaaaa",         // 25 characters
                                            "%27%20OR%201=1--aaaaaaaaaa",
                                            "%00"};
    for (const auto& code : codes) {
        auto got = get_registration(code);
        EXPECT_EQ(got.status, 404) << "GET " << code << ": " << got.error << got.body;
        EXPECT_TRUE(is_json_error(got, "registration_not_found")) << "GET " << code;

        auto cancelled = cancel(code);
        EXPECT_EQ(cancelled.status, 404) << "DELETE " << code << ": " << cancelled.error << cancelled.body;
        EXPECT_TRUE(is_json_error(cancelled, "registration_not_found")) << "DELETE " << code;

        auto enrolled = enrol(code, 1);
        EXPECT_EQ(enrolled.status, 404) << "enrol " << code << ": " << enrolled.error << enrolled.body;
        EXPECT_TRUE(is_json_error(enrolled, "registration_not_found")) << "enrol " << code;

        auto left = leave(code, 1);
        EXPECT_EQ(left.status, 404) << "leave " << code << ": " << left.error << left.body;
        EXPECT_TRUE(is_json_error(left, "registration_not_found")) << "leave " << code;
    }
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(Registration, CancellingFreesTheSeatOnceAndOnlyOnce) {
    auto email = unique_email("cancel");
    auto registration = register_ok(hyderabad_slug, {{"name", "Cancelling Delegate"}, {"email", email}});
    ASSERT_TRUE(is_code(registration["code"]));
    auto code = registration["code"].get<std::string>();
    auto before = seats(hyderabad_slug);

    auto r = cancel(code);
    ASSERT_EQ(r.status, 200) << r.error << r.body;
    auto body = parse_json(r.body);
    ASSERT_TRUE(body.contains("registration")) << r.body;
    EXPECT_EQ(body["registration"]["status"], "cancelled");
    EXPECT_EQ(body["registration"]["code"], code);
    EXPECT_EQ(seats(hyderabad_slug).confirmed, before.confirmed - 1);

    auto twice = cancel(code);
    EXPECT_EQ(twice.status, 409) << twice.error << twice.body;
    EXPECT_TRUE(is_json_error(twice, "registration_cancelled"));
    EXPECT_EQ(seats(hyderabad_slug).confirmed, before.confirmed - 1);

    EXPECT_EQ(fetch(code).value("status", ""), "cancelled");

    // A cancelled registration chooses no sessions.
    auto session = programme(hyderabad_slug)["sessions"][0];
    auto enrolled = enrol(code, session["id"].get<long long>());
    EXPECT_EQ(enrolled.status, 409) << enrolled.error << enrolled.body;
    EXPECT_TRUE(is_json_error(enrolled, "registration_cancelled"));

    // The address is free again for a new registration.
    auto again = register_ok(hyderabad_slug, {{"name", "Cancelling Delegate"}, {"email", email}});
    EXPECT_EQ(again.value("status", ""), "confirmed");
    EXPECT_NE(again.value("code", ""), code);
}

TEST_F(Registration, SameIdempotencyKeyTwiceRegistersOnceAndReplaysTheAnswer) {
    auto before = seats(mexico_slug);
    auto body = delegate("idem");
    const Headers key = {{"Idempotency-Key", "it-idem-key-1"}};
    auto first = register_for(mexico_slug, body, key);
    ASSERT_EQ(first.status, 201) << first.error << first.body;
    EXPECT_TRUE(first.header("Idempotent-Replayed").empty()) << first.header("Idempotent-Replayed");

    auto second = register_for(mexico_slug, body, key);
    EXPECT_EQ(second.status, first.status) << second.error << second.body;
    EXPECT_EQ(second.body, first.body);
    EXPECT_EQ(second.header("Idempotent-Replayed"), "true");
    EXPECT_TRUE(starts_with(second.header("Content-Type"), "application/json")) << second.header("Content-Type");

    auto after = seats(mexico_slug);
    EXPECT_EQ(after.confirmed, before.confirmed + 1) << "the repeat registered again";
    EXPECT_EQ(after.waitlisted, before.waitlisted);
    auto code = parse_json(first.body)["registration"]["code"].get<std::string>();
    EXPECT_EQ(fetch(code).value("status", ""), "confirmed");

    // Without the key, the same body is simply a second attempt.
    auto without_key = register_for(mexico_slug, body);
    EXPECT_EQ(without_key.status, 409) << without_key.error << without_key.body;
    EXPECT_TRUE(is_json_error(without_key, "already_registered"));
}

TEST_F(Registration, SameIdempotencyKeyWithAnotherBodyIsRefused) {
    const Headers key = {{"Idempotency-Key", "it-idem-key-2"}};
    auto first = register_for(mexico_slug, delegate("idem-a"), key);
    ASSERT_EQ(first.status, 201) << first.error << first.body;
    auto before = seats(mexico_slug);

    auto other = register_for(mexico_slug, delegate("idem-b"), key);
    EXPECT_EQ(other.status, 422) << other.error << other.body;
    EXPECT_TRUE(is_json_error(other, "idempotency_key_reused"));
    EXPECT_EQ(seats(mexico_slug).confirmed, before.confirmed) << "the reused key registered someone";
}

TEST_F(Registration, RefusedAnswerIsReplayedForTheSameKeyToo) {
    auto email = unique_email("idem-refused");
    register_ok(mexico_slug, {{"name", "Original"}, {"email", email}});
    const Headers key = {{"Idempotency-Key", "it-idem-key-3"}};
    const json body = {{"name", "Duplicate"}, {"email", email}};
    auto first = register_for(mexico_slug, body, key);
    ASSERT_EQ(first.status, 409) << first.error << first.body;
    auto second = register_for(mexico_slug, body, key);
    EXPECT_EQ(second.status, 409);
    EXPECT_EQ(second.body, first.body);
    EXPECT_EQ(second.header("Idempotent-Replayed"), "true");
}

TEST_F(Registration, EventCanBeAddressedBySlugToo) {
    const auto before = seats(mexico_slug);
    const auto r = post_json(port(), std::string("/api/events/") + mexico_slug + "/registrations", delegate("by-slug"));
    ASSERT_EQ(r.status, 201) << r.error << r.body;
    auto registration = parse_json(r.body)["registration"];
    EXPECT_EQ(registration["event"]["id"], event_id(mexico_slug));
    EXPECT_EQ(registration["event"]["slug"], mexico_slug);
    EXPECT_EQ(seats(mexico_slug).confirmed, before.confirmed + 1);
}

// Server bug (see the integration report): the idempotency scope is the event as written in
// the path ("POST /api/events/" + event_ident + "/registrations" in
// api/registration_handlers.cpp, create_registration), not the event it names, so a retry of
// the same request by slug (or as "027") is not recognised as a repeat: it runs again (here:
// 409 already_registered instead of the first 201). Enable once the scope uses the resolved
// event id.
TEST_F(Registration, IdempotencyKeyHoldsWhicheverWayTheEventIsAddressed) {
    const auto body = delegate("idem-slug");
    const Headers key = {{"Idempotency-Key", "it-idem-key-slug"}};
    const auto first = register_for(mexico_slug, body, key);  // by id
    ASSERT_EQ(first.status, 201) << first.error << first.body;
    const auto before = seats(mexico_slug);
    for (const auto& ident : {std::string(mexico_slug), "0" + std::to_string(event_id(mexico_slug))}) {
        const auto again = post_json(port(), "/api/events/" + ident + "/registrations", body, key);
        EXPECT_EQ(again.status, first.status) << ident << ": " << again.body;
        EXPECT_EQ(again.body, first.body) << ident;
        EXPECT_EQ(again.header("Idempotent-Replayed"), "true") << ident;
    }
    // Another person under the same key, by slug: refused like any reuse of the key.
    const auto other = post_json(port(), std::string("/api/events/") + mexico_slug + "/registrations",
                                 delegate("idem-slug-other"), key);
    EXPECT_EQ(other.status, 422) << other.body;
    EXPECT_TRUE(is_json_error(other, "idempotency_key_reused"));
    EXPECT_EQ(seats(mexico_slug).confirmed, before.confirmed) << "a retry under the same key registered someone";
}

TEST_F(Registration, EnrolLeaveAndRefuseAnOverlappingSession) {
    const auto [first, second] = overlapping_sessions();
    ASSERT_TRUE(first.is_object() && second.is_object()) << "no two overlapping sessions in " << hyderabad_slug;
    auto first_id = first["id"].get<long long>();
    auto second_id = second["id"].get<long long>();

    auto registration = register_ok(hyderabad_slug, delegate("sessions"));
    ASSERT_TRUE(is_code(registration["code"]));
    auto code = registration["code"].get<std::string>();
    auto first_before = session_confirmed(hyderabad_slug, first_id);

    auto enrolled = enrol(code, first_id);
    ASSERT_EQ(enrolled.status, 201) << enrolled.error << enrolled.body;
    auto answer = parse_json(enrolled.body);
    ASSERT_TRUE(answer.contains("enrolment") && answer.contains("registration")) << enrolled.body;
    EXPECT_EQ(answer["enrolment"]["session_id"], first_id);
    EXPECT_EQ(answer["enrolment"]["status"], "confirmed");
    EXPECT_TRUE(answer["enrolment"]["waitlist_position"].is_null());
    EXPECT_EQ(answer["enrolment"]["starts_at"], first["starts_at"]);
    ASSERT_EQ(answer["registration"]["sessions"].size(), 1u) << enrolled.body;
    EXPECT_EQ(answer["registration"]["sessions"][0]["session_id"], first_id);
    EXPECT_EQ(session_confirmed(hyderabad_slug, first_id), first_before + 1);
    EXPECT_EQ(fetch(code)["sessions"].size(), 1u);

    auto again = enrol(code, first_id);
    EXPECT_EQ(again.status, 409) << again.error << again.body;
    EXPECT_TRUE(is_json_error(again, "already_enrolled"));

    auto overlap = enrol(code, second_id);
    EXPECT_EQ(overlap.status, 409) << overlap.error << overlap.body;
    EXPECT_TRUE(is_json_error(overlap, "session_overlap"));
    auto refusal = parse_json(overlap.body);
    ASSERT_TRUE(refusal["error"].contains("session") && refusal["error"]["session"].is_object()) << overlap.body;
    EXPECT_EQ(refusal["error"]["session"]["id"], first_id) << overlap.body;
    EXPECT_EQ(refusal["error"]["session"]["title"], first["title"]) << overlap.body;

    auto left = leave(code, first_id);
    ASSERT_EQ(left.status, 200) << left.error << left.body;
    auto left_body = parse_json(left.body);
    EXPECT_EQ(left_body["enrolment"]["session_id"], first_id);
    EXPECT_EQ(left_body["enrolment"]["status"], "cancelled");
    EXPECT_EQ(left_body["registration"]["sessions"], json::array()) << left.body;
    EXPECT_EQ(session_confirmed(hyderabad_slug, first_id), first_before);

    auto left_twice = leave(code, first_id);
    EXPECT_EQ(left_twice.status, 404) << left_twice.error << left_twice.body;
    EXPECT_TRUE(is_json_error(left_twice, "enrolment_not_found"));

    // With the first session left, the overlapping one is free to take.
    auto second_enrolled = enrol(code, second_id);
    EXPECT_EQ(second_enrolled.status, 201) << second_enrolled.error << second_enrolled.body;
}

// Like every time in the API, the refusal's session times are in the event's own offset
// (the same strings as in the programme), not UTC.
TEST_F(Registration, OverlapRefusalGivesTheSessionTimesInTheEventsOffset) {
    const auto [first, second] = overlapping_sessions();
    ASSERT_TRUE(first.is_object() && second.is_object());
    auto code = register_ok(hyderabad_slug, delegate("overlap-times")).value("code", "");
    ASSERT_EQ(enrol(code, first["id"].get<long long>()).status, 201);
    auto overlap = enrol(code, second["id"].get<long long>());
    ASSERT_EQ(overlap.status, 409) << overlap.body;
    auto session = parse_json(overlap.body)["error"]["session"];
    EXPECT_EQ(session["starts_at"], first["starts_at"]) << overlap.body;
    EXPECT_EQ(session["ends_at"], first["ends_at"]) << overlap.body;
}

TEST_F(Registration, SessionMustBelongToTheRegistrationsEvent) {
    auto code = register_ok(hyderabad_slug, delegate("foreign-session")).value("code", "");
    ASSERT_TRUE(is_code(code));
    auto colloquium = programme(colloquium_slug);
    ASSERT_FALSE(colloquium["sessions"].empty());
    auto foreign = colloquium["sessions"][0]["id"].get<long long>();

    EXPECT_TRUE(is_field_error(enrol(code, foreign), "session_id")) << "another event's session";
    EXPECT_TRUE(is_field_error(enrol(code, 99999999), "session_id")) << "no such session";
    EXPECT_TRUE(is_field_error(enrol(code, json{{"session_id", "1"}}), "session_id")) << "id as a string";
    EXPECT_TRUE(is_field_error(enrol(code, json{{"session_id", 0}}), "session_id")) << "id 0";
    EXPECT_TRUE(is_field_error(enrol(code, json::object()), "session_id")) << "no id";
    EXPECT_EQ(fetch(code)["sessions"], json::array());
    EXPECT_EQ(session_confirmed(colloquium_slug, foreign), colloquium["sessions"][0]["confirmed"].get<long long>());
}

TEST_F(Registration, GeneralAssemblyAdmitsOnlyMembersWithDuesPaidFor2013And2014) {
    std::string paid_name, unpaid_name;
    auto paid = member_with_dues({2013, 2014}, &paid_name);
    auto unpaid = member_with_dues({2013}, &unpaid_name);
    ASSERT_GT(paid, 0) << "no member in the demo file with dues paid for 2013 and 2014";
    ASSERT_GT(unpaid, 0) << "no member in the demo file with dues paid for 2013 only";
    auto before = seats(assembly_slug);

    auto anonymous = register_for(assembly_slug, delegate("ga-none"));
    EXPECT_EQ(anonymous.status, 409) << anonymous.error << anonymous.body;
    EXPECT_TRUE(is_json_error(anonymous, "not_eligible"));

    auto unpaid_body = delegate("ga-unpaid");
    unpaid_body["member_organisation_id"] = unpaid;
    auto refused = register_for(assembly_slug, unpaid_body);
    EXPECT_EQ(refused.status, 409) << unpaid_name << ": " << refused.error << refused.body;
    EXPECT_TRUE(is_json_error(refused, "not_eligible")) << unpaid_name;

    EXPECT_TRUE(is_field_error(register_for(assembly_slug, {{"name", "Nobody"},
                                                            {"email", unique_email("ga-ghost")},
                                                            {"member_organisation_id", 99999999}}),
                               "member_organisation_id"));
    EXPECT_EQ(seats(assembly_slug).confirmed, before.confirmed);

    auto paid_body = delegate("ga-paid");
    paid_body["member_organisation_id"] = paid;
    auto admitted = register_for(assembly_slug, paid_body);
    ASSERT_EQ(admitted.status, 201) << paid_name << ": " << admitted.error << admitted.body;
    auto registration = parse_json(admitted.body)["registration"];
    EXPECT_EQ(registration["status"], "confirmed");
    EXPECT_EQ(registration["member_organisation_id"], paid);
    EXPECT_EQ(seats(assembly_slug).confirmed, before.confirmed + 1);
}

TEST_F(Registration, NonMemberOrganisationIsNotEligibleForTheAssembly) {
    auto listed = get_json("/api/organisations");
    ASSERT_TRUE(listed.contains("organisations")) << listed.dump().substr(0, 300);
    long long partner = -1;
    for (const auto& o : listed["organisations"])
        if (o["member"] == false) partner = o["id"].get<long long>();
    ASSERT_GT(partner, 0) << "no non-member organisation in the demo";
    auto body = delegate("ga-partner");
    body["member_organisation_id"] = partner;
    auto r = register_for(assembly_slug, body);
    EXPECT_EQ(r.status, 409) << r.error << r.body;
    EXPECT_TRUE(is_json_error(r, "not_eligible"));
}

TEST_F(Registration, WaitingListIsServedInOrderWhenASeatIsFreed) {
    auto start = seats(seoul_water_slug);
    ASSERT_EQ(start.waitlisted, 0) << "another test uses " << seoul_water_slug;
    ASSERT_GT(start.capacity, 0);
    auto free = start.capacity - start.confirmed;

    std::vector<std::string> confirmed;
    for (long long i = 0; i < free; ++i) {
        auto registration = register_ok(seoul_water_slug, delegate("seoul-" + std::to_string(i)));
        ASSERT_EQ(registration.value("status", ""), "confirmed") << "delegate " << i << " of " << free;
        confirmed.push_back(registration["code"].get<std::string>());
    }
    auto full = seats(seoul_water_slug);
    EXPECT_EQ(full.confirmed, full.capacity);
    EXPECT_EQ(full.seats_left, 0);

    std::vector<std::string> waiting;
    for (int i = 1; i <= 3; ++i) {
        auto registration = register_ok(seoul_water_slug, delegate("seoul-wait-" + std::to_string(i)));
        ASSERT_EQ(registration.value("status", ""), "waitlisted") << "latecomer " << i << ": " << registration.dump();
        EXPECT_EQ(registration["waitlist_position"], i) << registration.dump();
        waiting.push_back(registration["code"].get<std::string>());
    }
    auto now = seats(seoul_water_slug);
    EXPECT_EQ(now.confirmed, now.capacity);
    EXPECT_EQ(now.waitlisted, 3);
    EXPECT_EQ(now.seats_left, 0);

    // Someone on the list may not choose sessions yet.
    auto session = programme(seoul_water_slug)["sessions"][0]["id"].get<long long>();
    auto early = enrol(waiting[0], session);
    EXPECT_EQ(early.status, 409) << early.error << early.body;
    EXPECT_TRUE(is_json_error(early, "registration_not_confirmed"));

    // A confirmed delegate cancels: the first on the list takes the seat.
    ASSERT_EQ(cancel(confirmed[7]).status, 200);
    auto promoted = fetch(waiting[0]);
    EXPECT_EQ(promoted.value("status", ""), "confirmed") << promoted.dump();
    EXPECT_TRUE(promoted["waitlist_position"].is_null()) << promoted.dump();
    auto second = fetch(waiting[1]);
    EXPECT_EQ(second.value("status", ""), "waitlisted");
    EXPECT_EQ(second["waitlist_position"], 1) << second.dump();
    auto third = fetch(waiting[2]);
    EXPECT_EQ(third.value("status", ""), "waitlisted");
    EXPECT_EQ(third["waitlist_position"], 2) << third.dump();
    now = seats(seoul_water_slug);
    EXPECT_EQ(now.confirmed, now.capacity);
    EXPECT_EQ(now.waitlisted, 2);

    // The promoted delegate may now choose sessions.
    EXPECT_EQ(enrol(waiting[0], session).status, 201);

    // Someone leaving the list moves the rest up, and frees no seat.
    ASSERT_EQ(cancel(waiting[1]).status, 200);
    auto last = fetch(waiting[2]);
    EXPECT_EQ(last.value("status", ""), "waitlisted");
    EXPECT_EQ(last["waitlist_position"], 1) << last.dump();
    now = seats(seoul_water_slug);
    EXPECT_EQ(now.confirmed, now.capacity);
    EXPECT_EQ(now.waitlisted, 1);
}

// Registration windows and a full event without a waiting list, on a database changed with
// the sqlite3 tool before the server starts.
struct ChangedWindowsServer {
    static ServerOptions make() {
        ServerOptions options;
        options.prepare_database = [](const std::string& db) {
            if (!find_program("sqlite3")) return;  // the tests skip
            run_sql(db,
                    "UPDATE events SET registration_closes_at = '2001-01-01T00:00:00Z', "
                    "  registration_opens_at = '2000-01-01T00:00:00Z' WHERE slug = 'hyderabad-2014-board';"
                    "UPDATE events SET registration_opens_at = '2999-01-01T00:00:00Z', registration_closes_at = NULL "
                    "  WHERE slug = 'seoul-miti-opening-2014';"
                    "UPDATE events SET capacity = 1 WHERE slug = 'barcelona-strategic-plan-2014';");
        };
        return options;
    }
};

class RegistrationRules : public SharedServerTest<ChangedWindowsServer> {
protected:
    void SetUp() override {
        SharedServerTest::SetUp();
        if (!find_program("sqlite3")) GTEST_SKIP() << "needs the sqlite3 command-line tool (apt-get install -y sqlite3)";
    }
    static Response register_for(const std::string& slug, const json& body) {
        auto event = parse_json(get(port(), "/api/events/" + slug).body);
        return post_json(port(), "/api/events/" + std::to_string(event.value("id", 0LL)) + "/registrations", body);
    }
};

TEST_F(RegistrationRules, ClosedAndNotYetOpenRegistrationsAreRefused) {
    auto closed = register_for("hyderabad-2014-board", delegate("closed"));
    EXPECT_EQ(closed.status, 409) << closed.error << closed.body;
    EXPECT_TRUE(is_json_error(closed, "registration_closed"));

    auto not_open = register_for("seoul-miti-opening-2014", delegate("not-open"));
    EXPECT_EQ(not_open.status, 409) << not_open.error << not_open.body;
    EXPECT_TRUE(is_json_error(not_open, "registration_not_open"));
}

TEST_F(RegistrationRules, FullEventWithoutWaitingListIsEventFull) {
    auto first = register_for("barcelona-strategic-plan-2014", delegate("only-seat"));
    ASSERT_EQ(first.status, 201) << first.error << first.body;
    EXPECT_EQ(parse_json(first.body)["registration"]["status"], "confirmed");
    auto second = register_for("barcelona-strategic-plan-2014", delegate("no-seat"));
    EXPECT_EQ(second.status, 409) << second.error << second.body;
    EXPECT_TRUE(is_json_error(second, "event_full"));
    auto event = parse_json(get(port(), "/api/events/barcelona-strategic-plan-2014").body);
    EXPECT_EQ(event["confirmed"], 1);
    EXPECT_EQ(event["waitlisted"], 0);
}

}  // namespace
}  // namespace congress::it
