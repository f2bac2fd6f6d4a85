// Venues and rooms end to end (docs/api.md, "Venues and rooms"): the real binary with the
// demo data, organisers made with `congress user add`, the public event JSON with the venue's
// details in every language, the audited organiser routes, and bad input that writes nothing.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"

namespace congress::it {
namespace {

using nlohmann::json;

constexpr const char* password = "an organiser password long enough";
constexpr const char* colloquium = "barcelona-women-colloquium-2014";  // alone at Espai Bonnemaison
constexpr const char* congress_slug = "hyderabad-2014";                 // HICC, shared with the GA and the board

struct VenueServer {
    static ServerOptions make() {
        ServerOptions options;
        options.prepare_database = [](const std::string& db) {
            // Olga organises every event; Hari only the congress.
            for (const auto& [email, event] : std::vector<std::pair<std::string, std::string>>{
                     {"olga@example.org", ""}, {"hari@example.org", congress_slug}}) {
                const auto r = run_program(
                    "/bin/sh",
                    {"-c", std::string("printf '%s\\n' \"$PASSWORD\" | \"$CONGRESS\" user add --db \"$DB\" --email \"$EMAIL\" "
                                       "--name Organiser --role organiser") +
                               (event.empty() ? "" : " --event \"$EVENT\"")},
                    {{"PASSWORD", password}, {"CONGRESS", congress_binary()}, {"DB", db}, {"EMAIL", email}, {"EVENT", event}});
                if (r.exit_code != 0) throw std::runtime_error("congress user add failed:\n" + r.output());
            }
        };
        return options;
    }
};

class Venues : public SharedServerTest<VenueServer> {
protected:
    static Headers sign_in(const std::string& email) {
        const auto login = post_json(port(), "/api/staff/login", {{"email", email}, {"password", password}});
        if (login.status != 200) throw std::runtime_error("login failed: " + login.body);
        const auto cookie = login.header("Set-Cookie");
        return {{"Cookie", cookie.substr(0, cookie.find(';'))},
                {"X-CSRF-Token", parse_json(login.body)["csrf_token"].get<std::string>()}};
    }

    static json event(const std::string& slug) { return parse_json(get(port(), "/api/events/" + slug).body); }

    static std::string base(const std::string& slug) { return "/api/events/" + std::to_string(event(slug)["id"].get<long long>()); }

    static std::string sql(const std::string& query) { return run_sql(server().db_path(), query); }

    // What a venue or room edit may change; a refused one must change none of it.
    static std::string footprint() {
        return sql("SELECT count(*) FROM audit_log; SELECT group_concat(coalesce(address, '') || coalesce(map_url, '-'), '|') FROM venues;"
                   "SELECT group_concat(lang || access || accessibility || transport || wifi || catering, '|') FROM venue_notes;"
                   "SELECT group_concat(name || capacity || floor || equipment, '|') FROM rooms;");
    }
};

TEST_F(Venues, ThePublicEventKeepsItsVenueFieldsAndGainsTheDetailsInEveryLanguage) {
    const auto e = event(congress_slug);
    const auto& venue = e["venue"];
    for (const char* field : {"id", "name", "address", "city", "country", "map_url", "info"})
        EXPECT_TRUE(venue.contains(field)) << field;
    EXPECT_EQ(venue["city"], "Hyderabad");
    EXPECT_TRUE(starts_with(venue["map_url"].get<std::string>(), "https://"));
    for (const char* lang : {"en", "fr", "es"})
        for (const char* note : {"access", "accessibility", "transport", "wifi", "catering"})
            EXPECT_TRUE(venue["info"][lang].contains(note)) << lang << "." << note;
    EXPECT_TRUE(contains(venue["info"]["fr"]["wifi"].get<std::string>(), "Réseau"));
    ASSERT_FALSE(e["rooms"].empty());
    for (const auto& room : e["rooms"]) {
        EXPECT_TRUE(room["floor"].is_string());
        EXPECT_TRUE(room["equipment"].is_array());
    }
    const auto& first = e["sessions"][0];
    ASSERT_TRUE(first["room"].is_object());
    EXPECT_EQ(first["room"]["name"], "Plenary Hall");
    EXPECT_EQ(first["room"]["floor"], "0");
    // The list of events names the map link too.
    const auto events = parse_json(get(port(), "/api/events").body)["events"];
    for (const auto& listed : events) {
        if (listed["slug"] == congress_slug) {
            EXPECT_EQ(listed["venue"]["map_url"], venue["map_url"]);
        }
    }
}

TEST_F(Venues, AnOrganiserEditsTheWifiNoteAndThePublicPageHasItWithAnAuditEntry) {
    if (!find_program("sqlite3")) GTEST_SKIP() << "the sqlite3 command-line tool is not installed";
    const auto olga = sign_in("olga@example.org");
    const auto target = base(colloquium) + "/venue";
    const auto r = send_json(port(), "PATCH", target,
                             {{"map_url", "https://www.openstreetmap.org/?mlat=41.3878&mlon=2.1781"},
                              {"info", {{"fr", {{"wifi", "Réseau Bonnemaison-Invités, mot de passe: dones2014"}}}}}},
                             olga);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto e = event(colloquium);
    EXPECT_EQ(e["venue"]["info"]["fr"]["wifi"], "Réseau Bonnemaison-Invités, mot de passe: dones2014");
    EXPECT_EQ(e["venue"]["info"]["fr"]["access"], parse_json(r.body)["venue"]["info"]["fr"]["access"]);  // kept
    EXPECT_FALSE(e["venue"]["info"]["fr"]["access"].get<std::string>().empty());
    EXPECT_EQ(sql("SELECT count(*) FROM audit_log WHERE action = 'venue.update' AND actor_label = 'olga@example.org' "
                  "AND json_extract(after_json, '$.info.fr.wifi') LIKE 'Réseau Bonnemaison-Invités%' "
                  "AND json_extract(before_json, '$.info.fr.wifi') = 'Réseau Bonnemaison-Guest, sans mot de passe.';"),
              "1\n");
}

TEST_F(Venues, AVenueSharedWithAnEventTheCallerDoesNotOrganiseIsRefused) {
    const auto hari = sign_in("hari@example.org");
    const auto before = footprint();
    const auto r = send_json(port(), "PATCH", base(congress_slug) + "/venue", {{"info", {{"en", {{"wifi", "Open"}}}}}}, hari);
    EXPECT_EQ(r.status, 409);
    EXPECT_TRUE(is_json_error(r, "venue_shared"));
    EXPECT_EQ(footprint(), before);
    // Without signing in: 401, nothing written.
    EXPECT_EQ(send_json(port(), "PATCH", base(congress_slug) + "/venue", {{"address", "x"}}).status, 401);
    EXPECT_EQ(footprint(), before);
}

TEST_F(Venues, BadInputIsRefusedNamingTheFieldAndWritesNothing) {
    if (!find_program("sqlite3")) GTEST_SKIP() << "the sqlite3 command-line tool is not installed";
    const auto olga = sign_in("olga@example.org");
    const auto e = event(colloquium);
    const auto venue = base(colloquium) + "/venue";
    const auto auditorium = base(colloquium) + "/rooms/" + std::to_string(e["rooms"][0]["id"].get<long long>());
    const std::vector<std::tuple<std::string, json, std::string>> cases{
        {venue, {{"map_url", "javascript:alert(1)"}}, "map_url"},
        {venue, {{"map_url", "www.openstreetmap.org"}}, "map_url"},
        {venue, {{"info", {{"de", {{"wifi", "WLAN"}}}}}}, "info.de"},
        {venue, {{"info", {{"fr", {{"parking", "Non"}}}}}}, "info.fr.parking"},
        {venue, {{"info", {{"es", {{"catering", std::string(2001, 'c')}}}}}}, "info.es.catering"},
        {venue, {{"address", std::string(501, 'a')}}, "address"},
        {venue, {{"address", "ok"}, {"map_url", "ftp://x.example"}}, "map_url"},
        {auditorium, {{"floor", std::string(41, 'f')}}, "floor"},
        {auditorium, {{"equipment", {"projector", std::string(61, 'e')}}}, "equipment"},
        {auditorium, {{"equipment", "projector"}}, "equipment"},
    };
    const auto before = footprint();
    for (const auto& [target, body, field] : cases) {
        const auto r = send_json(port(), "PATCH", target, body, olga);
        EXPECT_EQ(r.status, 422) << target << " " << body.dump() << ": " << r.body;
        EXPECT_TRUE(is_json_error(r));
        EXPECT_EQ(parse_json(r.body)["error"]["field"], field) << body.dump();
    }
    // Below the colloquium's sessions: a conflict with the programme, 409 as documented,
    // naming the field; the floor sent with it is not written either.
    const auto r = send_json(port(), "PATCH", auditorium, {{"capacity", 10}, {"floor", "1"}}, olga);
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(parse_json(r.body)["error"]["code"], "room_smaller_than_session");
    EXPECT_EQ(parse_json(r.body)["error"]["field"], "capacity");
    EXPECT_EQ(footprint(), before);
}

TEST_F(Venues, ARoomsFloorAndEquipmentAreSavedAuditedAndShownWithItsSessions) {
    if (!find_program("sqlite3")) GTEST_SKIP() << "the sqlite3 command-line tool is not installed";
    const auto olga = sign_in("olga@example.org");
    const auto e = event(colloquium);
    const auto room = e["rooms"][0];
    const auto r = send_json(port(), "PATCH", base(colloquium) + "/rooms/" + std::to_string(room["id"].get<long long>()),
                             {{"floor", "-1"}, {"equipment", {"projector", "interpretation booths", "wheelchair access"}}}, olga);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto after = event(colloquium);
    bool seen = false;
    for (const auto& s : after["sessions"])
        if (s["room"].is_object() && s["room"]["id"] == room["id"]) {
            seen = true;
            EXPECT_EQ(s["room"]["floor"], "-1");
            EXPECT_EQ(s["room"]["equipment"], json::array({"projector", "interpretation booths", "wheelchair access"}));
        }
    EXPECT_TRUE(seen);
    EXPECT_EQ(sql("SELECT count(*) FROM audit_log WHERE action = 'room.update' AND entity_id = " +
                  std::to_string(room["id"].get<long long>()) + " AND json_extract(after_json, '$.floor') = '-1';"),
              "1\n");
}

}  // namespace
}  // namespace congress::it
