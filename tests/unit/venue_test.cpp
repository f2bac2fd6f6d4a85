#include <gtest/gtest.h>

#include <set>
#include <string>

#include "domain/registration.hpp"
#include "domain/venue.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/event_repository.hpp"
#include "storage/migrations.hpp"
#include "storage/venue_store.hpp"
#include "temp_dir.hpp"

using namespace congress::domain;

TEST(VenueTest, AMapLinkIsAnAbsoluteHttpOrHttpsAddressWithAHost) {
    EXPECT_TRUE(is_web_address("https://www.openstreetmap.org/?mlat=17.47&mlon=78.37#map=16/17.47/78.37"));
    EXPECT_TRUE(is_web_address("http://maps.example.org"));
    EXPECT_TRUE(is_web_address("https://maps.example.org:8443/x"));
    EXPECT_FALSE(is_web_address("javascript:alert(1)"));
    EXPECT_FALSE(is_web_address("//maps.example.org"));
    EXPECT_FALSE(is_web_address("/events/1"));
    EXPECT_FALSE(is_web_address("ftp://maps.example.org"));
    EXPECT_FALSE(is_web_address("https://"));
    EXPECT_FALSE(is_web_address("https:///path"));
    EXPECT_FALSE(is_web_address("https://maps example.org"));
    EXPECT_FALSE(is_web_address("https://user@evil.example"));
    EXPECT_FALSE(is_web_address("https://a.example/\"><script>"));
    EXPECT_FALSE(is_web_address("HTTPS://MAPS.EXAMPLE.ORG"));  // scheme in lower case, as links are written
    EXPECT_FALSE(is_web_address("https://a.example/" + std::string(max_map_url, 'x')));
}

TEST(VenueTest, OnlyTheAssociationsLanguagesHoldNotes) {
    EXPECT_TRUE(is_venue_language("en"));
    EXPECT_TRUE(is_venue_language("fr"));
    EXPECT_TRUE(is_venue_language("es"));
    EXPECT_FALSE(is_venue_language("de"));
    EXPECT_FALSE(is_venue_language("EN"));
    EXPECT_FALSE(is_venue_language(""));
}

TEST(VenueTest, NotesAreReachedByTheirApiNames) {
    VenueNotes notes;
    EXPECT_TRUE(notes.empty());
    for (const auto name : venue_note_fields) ASSERT_NE(notes.field(name), nullptr) << name;
    *notes.field("wifi") = "HICC-Congress";
    EXPECT_EQ(notes.wifi, "HICC-Congress");
    EXPECT_FALSE(notes.empty());
    EXPECT_EQ(notes.field("parking"), nullptr);
}

// ---- the store: partial edits, the audit entry, shared venues --------------------------

namespace {

using namespace congress::storage;
using congress::testing::TempDir;

struct VenueStore : ::testing::Test {
    TempDir dir;
    Connection conn{dir.file("c.db"), OpenMode::read_write_create};
    ChangeSet changes;
    AuditContext ana{AuditActor{1, "ana@example.org"}, std::nullopt, std::nullopt};
    const Instant now = parse_utc("2026-11-25T12:00:00Z").value();

    void SetUp() override {
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        conn.exec(R"sql(
            INSERT INTO venues (id, name, address, timezone) VALUES (1, 'HICC', 'HITEC City', 'Asia/Kolkata');
            INSERT INTO events (id, slug, title, kind, timezone, venue_id, starts_at, ends_at, capacity)
            VALUES (1, 'congress', 'Congress', 'congress', 'Asia/Kolkata', 1, '2030-10-07T03:30:00Z', '2030-10-10T12:30:00Z', 3000),
                   (2, 'board', 'Board', 'meeting', 'Asia/Kolkata', 1, '2030-10-10T03:00:00Z', '2030-10-10T05:00:00Z', 20);
        )sql");
    }

    long long count(const std::string& sql) {
        auto stmt = conn.prepare(sql);
        stmt.step();
        return stmt.int64(0);
    }
};

const auto everyone = [](Id) { return true; };

}  // namespace

TEST_F(VenueStore, APartialEditKeepsTheRestIsAuditedAndMarksEveryEventAtTheVenue) {
    VenueEdit first;
    first.map_url = std::optional<std::string>("https://maps.example.org/hicc");
    first.notes["fr"]["wifi"] = "Réseau HICC";
    first.notes["fr"]["access"] = "Porte 1";
    EXPECT_EQ(update_event_venue(conn, changes, 1, first, everyone, ana, now), 1);
    VenueEdit second;
    second.notes["fr"]["wifi"] = "";
    update_event_venue(conn, changes, 1, second, everyone, ana, now);

    const auto notes = venue_notes(conn, 1);
    ASSERT_EQ(notes.count("fr"), 1u);
    EXPECT_EQ(notes.at("fr").wifi, "");
    EXPECT_EQ(notes.at("fr").access, "Porte 1");
    EXPECT_EQ(notes.count("en"), 0u);
    const auto event = load_programme(conn, 2).value();
    EXPECT_EQ(event.event.venue->map_url.value_or(""), "https://maps.example.org/hicc");
    EXPECT_EQ(event.event.venue->address, "HITEC City");
    EXPECT_EQ(changes.events, (std::set<std::int64_t>{1, 2}));
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'venue.update' AND entity_type = 'venue' AND entity_id = 1"), 2);
    EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE json_extract(before_json, '$.info.fr.wifi') = 'Réseau HICC'"), 1);

    // Clearing the last note of a language removes its row.
    VenueEdit clear;
    clear.notes["fr"]["access"] = "";
    clear.map_url = std::optional<std::string>();
    update_event_venue(conn, changes, 1, clear, everyone, ana, now);
    EXPECT_EQ(count("SELECT count(*) FROM venue_notes"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM venues WHERE map_url IS NULL"), 1);
}

TEST_F(VenueStore, AVenueSharedWithAnEventTheCallerDoesNotOrganiseIsRefused) {
    VenueEdit edit;
    edit.address = "elsewhere";
    try {
        update_event_venue(conn, changes, 1, edit, [](Id event) { return event == 1; }, ana, now);
        FAIL() << "expected venue_shared";
    } catch (const Refusal& e) {
        EXPECT_EQ(e.code(), "venue_shared");
    }
    EXPECT_EQ(count("SELECT count(*) FROM venues WHERE address = 'HITEC City'"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM audit_log"), 0);
}

TEST_F(VenueStore, AnEventWithoutAVenueHasNothingToDescribe) {
    conn.exec("UPDATE events SET venue_id = NULL WHERE id = 1");
    try {
        update_event_venue(conn, changes, 1, VenueEdit{}, everyone, ana, now);
        FAIL() << "expected event_has_no_venue";
    } catch (const Refusal& e) {
        EXPECT_EQ(e.code(), "event_has_no_venue");
    }
}

TEST_F(VenueStore, TheShortestAcceptedMapLinkIsStored) {
    ASSERT_TRUE(is_web_address("http://a"));
    VenueEdit edit;
    edit.map_url = std::optional<std::string>("http://a");
    update_event_venue(conn, changes, 1, edit, everyone, ana, now);
    EXPECT_EQ(count("SELECT count(*) FROM venues WHERE map_url = 'http://a'"), 1);
}
