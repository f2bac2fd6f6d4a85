#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "storage/database.hpp"
#include "storage/demo_loader.hpp"
#include "storage/event_repository.hpp"
#include "storage/migrations.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using congress::testing::TempDir;

namespace {

std::string demo_json() {
    std::ifstream in(std::string(CONGRESS_SOURCE_DIR) + "/schema/demo/metropolis-2014.json");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

struct LoadedDemo {
    TempDir dir;
    Connection conn{dir.file("c.db"), OpenMode::read_write_create};
    DemoSummary summary;

    explicit LoadedDemo(DemoOptions options) {
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        summary = load_demo(conn, demo_json(), options);
    }

    domain::Programme programme(const std::string& slug) {
        return load_programme(conn, find_event_id_by_slug(conn, slug).value()).value();
    }
};

DemoOptions at(const char* now, bool as_published = false) {
    DemoOptions options;
    options.now = domain::parse_utc(now).value();
    options.as_published = as_published;
    return options;
}

}  // namespace

TEST(DemoLoaderTest, AsPublishedKeepsTheReportsDates) {
    LoadedDemo demo(at("2026-11-25T12:00:00Z", true));
    EXPECT_EQ(demo.summary.shift_weeks, 0);
    const auto hyderabad = demo.programme("hyderabad-2014");
    EXPECT_EQ(hyderabad.event.timezone, "Asia/Kolkata");
    EXPECT_EQ(domain::format_in_zone(hyderabad.event.starts_at, "Asia/Kolkata").substr(0, 10), "2014-10-07");
    EXPECT_EQ(domain::format_in_zone(hyderabad.event.ends_at, "Asia/Kolkata").substr(0, 10), "2014-10-10");
}

TEST(DemoLoaderTest, HyderabadHasFourTracksAndAMultiRoomProgramme) {
    LoadedDemo demo(at("2026-11-25T12:00:00Z", true));
    const auto p = demo.programme("hyderabad-2014");
    EXPECT_EQ(p.tracks.size(), 4u);
    std::set<domain::Id> rooms;
    std::set<std::string> days;
    for (const auto& s : p.sessions) {
        if (s.room) rooms.insert(s.room->id);
        days.insert(domain::format_in_zone(s.starts_at, "Asia/Kolkata").substr(0, 10));
        EXPECT_GE(s.starts_at, p.event.starts_at) << s.title;
        EXPECT_LE(s.ends_at, p.event.ends_at) << s.title;
        if (s.room) {
            EXPECT_LE(s.capacity, s.room->capacity) << s.title;
        }
    }
    EXPECT_GE(rooms.size(), 3u);
    EXPECT_GE(days.size(), 3u);
}

TEST(DemoLoaderTest, TheGeneralAssemblyAdmitsOnlyMembersWithDuesFor2013And2014) {
    LoadedDemo demo(at("2026-11-25T12:00:00Z", true));
    const auto assembly = demo.programme("hyderabad-2014-general-assembly");
    EXPECT_EQ(assembly.event.kind, domain::EventKind::assembly);
    EXPECT_EQ(assembly.event.eligibility.dues_paid_years, (std::vector<int>{2013, 2014}));
    EXPECT_EQ(domain::format_in_zone(assembly.event.starts_at, "Asia/Kolkata").substr(0, 10), "2014-10-10");
}

TEST(DemoLoaderTest, BarcelonaColloquiumClosesAtTheEndOf12JuneInMadrid) {
    LoadedDemo demo(at("2026-11-25T12:00:00Z", true));
    const auto colloquium = demo.programme("barcelona-women-colloquium-2014");
    EXPECT_EQ(domain::format_in_zone(colloquium.event.starts_at, "Europe/Madrid"), "2014-06-13T09:30:00+02:00");
    EXPECT_EQ(domain::format_in_zone(colloquium.event.ends_at, "Europe/Madrid"), "2014-06-13T14:30:00+02:00");
    EXPECT_EQ(domain::format_in_zone(colloquium.event.registration_closes_at.value(), "Europe/Madrid"),
              "2014-06-13T00:00:00+02:00");
}

TEST(DemoLoaderTest, DefaultShiftPutsTheFirstEventAFewWeeksAheadKeepingWeekdaysAndLocalTimes) {
    LoadedDemo published(at("2026-11-25T12:00:00Z", true));
    LoadedDemo shifted(at("2026-11-25T12:00:00Z"));
    ASSERT_GT(shifted.summary.shift_weeks, 0);

    auto events = list_events(shifted.conn);
    const auto first = std::min_element(events.begin(), events.end(), [](const auto& a, const auto& b) {
        return a.starts_at < b.starts_at;
    });
    const auto now = domain::parse_utc("2026-11-25T12:00:00Z").value();
    EXPECT_GE(first->starts_at, now + std::chrono::days{21});
    EXPECT_LT(first->starts_at, now + std::chrono::days{28});

    const auto before = published.programme("barcelona-women-colloquium-2014");
    const auto after = shifted.programme("barcelona-women-colloquium-2014");
    ASSERT_EQ(before.sessions.size(), after.sessions.size());
    for (std::size_t i = 0; i < before.sessions.size(); ++i) {
        const auto local_before = domain::to_local(before.sessions[i].starts_at, "Europe/Madrid");
        const auto local_after = domain::to_local(after.sessions[i].starts_at, "Europe/Madrid");
        EXPECT_EQ(local_after - local_before, std::chrono::weeks{shifted.summary.shift_weeks});
        EXPECT_EQ(after.sessions[i].ends_at - after.sessions[i].starts_at,
                  before.sessions[i].ends_at - before.sessions[i].starts_at);
    }
}

TEST(DemoLoaderTest, LoadingTwiceIsRefusedUnlessReplacing) {
    LoadedDemo demo(at("2026-11-25T12:00:00Z"));
    EXPECT_THROW(load_demo(demo.conn, demo_json(), at("2026-11-25T12:00:00Z")), DemoDataError);
    auto options = at("2026-11-25T12:00:00Z");
    options.replace = true;
    const auto again = load_demo(demo.conn, demo_json(), options);
    EXPECT_EQ(static_cast<std::size_t>(again.events), list_events(demo.conn).size());
}

TEST(DemoLoaderTest, BrokenDataWritesNothing) {
    TempDir dir;
    Connection conn(dir.file("c.db"), OpenMode::read_write_create);
    migrate(conn, builtin_migrations());
    const std::string broken = R"({"events":[{"slug":"x","title":"X","kind":"congress","timezone":"Europe/Madrid",
        "starts":"2014-06-13T09:30","ends":"2014-06-13T14:30","capacity":10,
        "sessions":[{"title":"S","room":"no-such-room","starts":"2014-06-13T09:30","ends":"2014-06-13T10:00"}]}]})";
    EXPECT_THROW(load_demo(conn, broken, DemoOptions{}), DemoDataError);
    EXPECT_TRUE(list_events(conn).empty());
}

TEST(DemoLoaderTest, VenuesHaveAMapLinkNotesInEveryLanguageAndRoomsTheirFloorAndEquipment) {
    LoadedDemo demo(at("2026-11-25T12:00:00Z"));
    const auto p = demo.programme("hyderabad-2014");
    ASSERT_TRUE(p.event.venue);
    ASSERT_TRUE(p.event.venue->map_url);
    EXPECT_TRUE(domain::is_web_address(*p.event.venue->map_url));
    for (const char* lang : {"en", "fr", "es"}) {
        const auto notes = p.event.venue->notes.find(lang);
        ASSERT_NE(notes, p.event.venue->notes.end()) << lang;
        for (const auto field : domain::venue_note_fields) EXPECT_FALSE(notes->second.field(field)->empty()) << lang << field;
    }
    for (const auto& room : p.rooms) {
        EXPECT_FALSE(room.floor.empty()) << room.name;
        EXPECT_FALSE(room.equipment.empty()) << room.name;
    }
    const auto colloquium = demo.programme("barcelona-women-colloquium-2014");
    ASSERT_TRUE(colloquium.event.venue);
    EXPECT_EQ(colloquium.event.venue->notes.at("fr").wifi, "Réseau Bonnemaison-Guest, sans mot de passe.");
}

TEST(DemoLoaderTest, VenueNotesInAnUnknownLanguageWriteNothing) {
    TempDir dir;
    Connection conn(dir.file("c.db"), OpenMode::read_write_create);
    migrate(conn, builtin_migrations());
    const std::string broken = R"({"venues":[{"key":"v","name":"V","timezone":"Europe/Madrid","info":{"de":{"wifi":"WLAN"}},"rooms":[]}],
        "events":[{"slug":"x","title":"X","kind":"congress","timezone":"Europe/Madrid","venue":"v",
        "starts":"2014-06-13T09:30","ends":"2014-06-13T14:30","capacity":10,"sessions":[]}]})";
    EXPECT_THROW(load_demo(conn, broken, DemoOptions{}), DemoDataError);
    EXPECT_TRUE(list_events(conn).empty());
    auto stmt = conn.prepare("SELECT count(*) FROM venue_notes");
    stmt.step();
    EXPECT_EQ(stmt.int64(0), 0);
}
