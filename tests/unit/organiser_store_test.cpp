// The organiser console's storage (storage/organiser_store.hpp) against real SQLite files.
#include <gtest/gtest.h>

#include <future>

#include <nlohmann/json.hpp>

#include "app/programme.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/event_repository.hpp"
#include "storage/migrations.hpp"
#include "storage/organiser_store.hpp"
#include "storage/programme_store.hpp"
#include "storage/registration_store.hpp"
#include "storage/search_index.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using namespace congress::app;
using congress::domain::RegistrationStatus;
using congress::testing::TempDir;
using nlohmann::json;

namespace {

domain::Instant utc(const char* text) { return domain::parse_utc(text).value(); }
domain::LocalTime local(const char* text) { return domain::parse_local(text).value(); }

const char* const fixture_sql = R"sql(
    INSERT INTO venues (id, name, timezone) VALUES (1, 'Espai Bonnemaison', 'Europe/Madrid');
    INSERT INTO rooms (id, venue_id, name, capacity) VALUES (1, 1, 'Auditorium', 60), (2, 1, 'Small room', 10);
    INSERT INTO organisations (id, name, is_member) VALUES (1, 'Barcelona', 1), (2, 'UN-Habitat', 0);
    -- 1: the colloquium, 2 places with a waiting list, registration until the end of 12 June.
    INSERT INTO events (id, slug, title, kind, timezone, venue_id, starts_at, ends_at, capacity,
                        registration_opens_at, registration_closes_at, waitlist_enabled)
    VALUES (1, 'colloquium', 'Colloquium', 'colloquium', 'Europe/Madrid', 1, '2014-06-13T07:30:00Z',
            '2014-06-13T12:30:00Z', 2, '2014-05-04T22:00:00Z', '2014-06-12T22:00:00Z', 1);
    -- 2: another event at the same venue the next day, using the small room.
    INSERT INTO events (id, slug, title, kind, timezone, venue_id, starts_at, ends_at, capacity)
    VALUES (2, 'board', 'Board', 'meeting', 'Europe/Madrid', 1, '2014-06-14T07:00:00Z', '2014-06-14T10:00:00Z', 20);
    -- 3: a workshop in Seoul without venue or sessions.
    INSERT INTO events (id, slug, title, kind, timezone, starts_at, ends_at, capacity)
    VALUES (3, 'seoul', 'Seoul', 'workshop', 'Asia/Seoul', '2014-11-20T00:00:00Z', '2014-11-21T09:00:00Z', 40);
    INSERT INTO tracks (id, event_id, name, position) VALUES (1, 1, 'Women in cities', 1), (2, 2, 'Board', 1);
    INSERT INTO sessions (id, event_id, room_id, track_id, title, starts_at, ends_at, capacity)
    VALUES (1, 1, 1, 1, 'Opening', '2014-06-13T07:30:00Z', '2014-06-13T08:00:00Z', 2),
           (2, 1, 1, 1, 'Panel', '2014-06-13T08:00:00Z', '2014-06-13T09:00:00Z', 60),
           (3, 2, 2, 2, 'Board meeting', '2014-06-14T07:00:00Z', '2014-06-14T09:00:00Z', 10);
)sql";

struct OrganiserStore : ::testing::Test {
    TempDir dir;
    Connection conn{dir.file("c.db"), OpenMode::read_write_create};
    ChangeSet changes;
    const domain::Instant now = utc("2014-06-01T10:00:00Z");
    const AuditContext ana{AuditActor{5, "ana@example.org"}, std::string("Room change"), std::string("req-1")};

    void SetUp() override {
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        conn.exec(fixture_sql);
    }

    int count(const std::string& sql) {
        auto stmt = conn.prepare(sql);
        stmt.step();
        return stmt.int32(0);
    }

    // Runs a change as the writer does (inside a savepoint) and names what refused it.
    std::string attempt(const std::function<void()>& change) {
        try {
            Savepoint savepoint(conn);
            change();
            savepoint.release();
        } catch (const domain::Refusal& r) {
            return r.code();
        } catch (const domain::InvalidField& e) {
            return "field:" + e.field();
        } catch (const domain::NotFound& e) {
            return e.code();
        }
        return "ok";
    }

    RegistrationView reg(const std::string& name, const std::string& email, std::optional<std::string> organisation = {},
                         std::optional<domain::Id> member = {}) {
        return register_delegate(conn, changes, 1, RegistrationInput{name, email, organisation, member, "en"}, now);
    }

    std::vector<AuditRecord> audit(const std::string& action) {
        AuditFilter filter;
        filter.action = action;
        return list_audit(conn, filter);
    }
};

SessionInput session(const char* title, const char* starts, const char* ends, std::optional<domain::Id> room,
                     std::optional<int> capacity = {}) {
    SessionInput s;
    s.title = title;
    s.starts_at = local(starts);
    s.ends_at = local(ends);
    s.room_id = room;
    s.capacity = capacity;
    return s;
}

}  // namespace

// --- events -------------------------------------------------------------------------------

TEST_F(OrganiserStore, ACreatedEventHasItsTimesInItsZoneAndIsAudited) {
    EventInput input;
    input.slug = "hyderabad-2014";
    input.title = "XI Metropolis World Congress";
    input.kind = domain::EventKind::congress;
    input.timezone = "Asia/Kolkata";
    input.starts_at = local("2014-10-07T09:00");
    input.ends_at = local("2014-10-10T18:00");
    input.registration_closes_at = std::optional(local("2014-10-01T00:00"));
    input.capacity = 3000;
    input.new_venue = VenueInput{"HICC", std::nullopt, std::string("Hyderabad"), std::string("India")};
    input.dues_paid_years = std::vector<int>{2013, 2014};
    domain::Id id = 0;
    ASSERT_EQ(attempt([&] { id = create_event(conn, changes, input, ana, now); }), "ok");
    const auto event = load_event(conn, id).value();
    EXPECT_EQ(domain::format_utc(event.starts_at), "2014-10-07T03:30:00Z");
    EXPECT_EQ(domain::format_in_zone(*event.registration_closes_at, "Asia/Kolkata"), "2014-10-01T00:00:00+05:30");
    ASSERT_TRUE(event.venue);
    EXPECT_EQ(event.venue->city, "Hyderabad");
    EXPECT_EQ(event.eligibility.dues_paid_years, (std::vector<int>{2013, 2014}));
    EXPECT_TRUE(changes.events.count(id));
    const auto entries = audit("event.create");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].entry.event_id, id);
    EXPECT_EQ(entries[0].entry.actor_label, "ana@example.org");
    EXPECT_EQ(json::parse(*entries[0].entry.after_json)["starts_at"], "2014-10-07T09:00:00+05:30");
    // A new event has its seat counter, so registrations work at once.
    EXPECT_EQ(event_seat_counts(conn, id).size(), 1u);
}

TEST_F(OrganiserStore, ASlugIsUnique) {
    EventInput input;
    input.slug = "board";
    input.title = "Another";
    input.kind = domain::EventKind::meeting;
    input.timezone = "Europe/Madrid";
    input.starts_at = local("2014-07-01T09:00");
    input.ends_at = local("2014-07-01T12:00");
    input.capacity = 10;
    EXPECT_EQ(attempt([&] { create_event(conn, changes, input, ana, now); }), "slug_taken");
    EventInput rename;
    rename.slug = "board";
    EXPECT_EQ(attempt([&] { update_event(conn, changes, 1, rename, ana, now); }), "slug_taken");
    EXPECT_EQ(count("SELECT count(*) FROM events"), 3);
}

TEST_F(OrganiserStore, AnEditChangesOnlyWhatItNamesAndRecordsBeforeAndAfter) {
    EventInput edit;
    edit.title = "Women and the city";
    ASSERT_EQ(attempt([&] { update_event(conn, changes, 1, edit, ana, now); }), "ok");
    const auto event = load_event(conn, 1).value();
    EXPECT_EQ(event.title, "Women and the city");
    EXPECT_EQ(event.slug, "colloquium");
    EXPECT_EQ(domain::format_utc(*event.registration_closes_at), "2014-06-12T22:00:00Z");
    const auto entries = audit("event.update");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(json::parse(*entries[0].entry.before_json)["title"], "Colloquium");
    EXPECT_EQ(json::parse(*entries[0].entry.after_json)["title"], "Women and the city");
    EXPECT_EQ(entries[0].entry.reason, "Room change");
    EXPECT_EQ(entries[0].entry.request_id, "req-1");
}

TEST_F(OrganiserStore, AnEditThatChangesNothingRecordsNothing) {
    EventInput same;
    same.title = "Colloquium";
    ASSERT_EQ(attempt([&] { update_event(conn, changes, 1, same, ana, now); }), "ok");
    EXPECT_TRUE(audit("event.update").empty());
    EXPECT_EQ(update_session(conn, changes, 1, 1, SessionInput{}, ana, now), 1);
    EXPECT_EQ(schedule_version(conn, 1), 1);
    EXPECT_TRUE(schedule_changes_after(conn, 0).empty());
}

TEST_F(OrganiserStore, ARegistrationWindowCanBeCleared) {
    EventInput edit;
    edit.registration_closes_at = std::optional<domain::LocalTime>{};
    ASSERT_EQ(attempt([&] { update_event(conn, changes, 1, edit, ana, now); }), "ok");
    EXPECT_FALSE(load_event(conn, 1)->registration_closes_at);
    EXPECT_TRUE(load_event(conn, 1)->registration_opens_at);
}

TEST_F(OrganiserStore, TheTimeZoneIsLockedOnceTheEventHasSessions) {
    EventInput edit;
    edit.timezone = "Europe/Lisbon";
    EXPECT_EQ(attempt([&] { update_event(conn, changes, 1, edit, ana, now); }), "timezone_locked");
    // Without sessions the wall-clock times stay as they read: 09:00 in Seoul becomes 09:00 in Tokyo.
    edit.timezone = "Asia/Tokyo";
    ASSERT_EQ(attempt([&] { update_event(conn, changes, 3, edit, ana, now); }), "ok");
    const auto event = load_event(conn, 3).value();
    EXPECT_EQ(domain::format_in_zone(event.starts_at, "Asia/Tokyo"), "2014-11-20T09:00:00+09:00");
}

TEST_F(OrganiserStore, AnEventCapacityCannotDropBelowItsConfirmed) {
    reg("A", "a@x.org");
    reg("B", "b@x.org");
    EventInput smaller;
    smaller.capacity = 1;
    EXPECT_EQ(attempt([&] { update_event(conn, changes, 1, smaller, ana, now); }), "capacity_below_confirmed");
    EXPECT_EQ(load_event(conn, 1)->capacity, 2);
}

TEST_F(OrganiserStore, AnEventEndingBeforeOneOfItsSessionsIsRefused) {
    EventInput edit;
    edit.ends_at = local("2014-06-13T10:45");  // the panel runs 10:00-11:00 Madrid time
    EXPECT_EQ(attempt([&] { update_event(conn, changes, 1, edit, ana, now); }), "sessions_outside_event");
    EXPECT_EQ(domain::format_utc(load_event(conn, 1)->ends_at), "2014-06-13T12:30:00Z");
    EXPECT_TRUE(audit("event.update").empty());
}

TEST_F(OrganiserStore, MorePlacesPromoteTheWaitingListInOrder) {
    reg("A", "a@x.org");
    reg("B", "b@x.org");
    const auto c = reg("C", "c@x.org");
    const auto d = reg("D", "d@x.org");
    EventInput edit;
    edit.capacity = 3;
    ASSERT_EQ(attempt([&] { update_event(conn, changes, 1, edit, ana, now); }), "ok");
    EXPECT_EQ(load_registration(conn, c.code)->status, RegistrationStatus::confirmed);
    EXPECT_EQ(load_registration(conn, d.code)->waitlist_position, 1);
}

TEST_F(OrganiserStore, ATimeTheClocksSkipIsRefused) {
    EventInput edit;
    edit.starts_at = local("2014-03-30T02:30");
    EXPECT_EQ(attempt([&] { update_event(conn, changes, 3, edit, ana, now); }), "ok");  // Seoul has no DST
    EXPECT_EQ(attempt([&] { create_session(conn, changes, 1, session("Night", "2014-03-30T02:30", "2014-03-30T03:30", {}, 5), ana, now); }),
              "field:starts_at");
}

// --- tracks and rooms ----------------------------------------------------------------------

TEST_F(OrganiserStore, TracksAreCreatedAtTheEndAndEditedInTheirEvent) {
    TrackInput track;
    track.name = "Safety";
    domain::Id id = 0;
    ASSERT_EQ(attempt([&] { id = create_track(conn, changes, 1, track, ana, now); }), "ok");
    const auto programme = load_programme(conn, 1).value();
    ASSERT_EQ(programme.tracks.size(), 2u);
    EXPECT_EQ(programme.tracks.back().name, "Safety");
    EXPECT_EQ(programme.tracks.back().position, 2);
    TrackInput rename;
    rename.name = "Safety in public space";
    EXPECT_EQ(attempt([&] { update_track(conn, changes, 1, id, rename, ana, now); }), "ok");
    EXPECT_EQ(attempt([&] { update_track(conn, changes, 1, 2, rename, ana, now); }), "track_not_found");  // event 2's
    EXPECT_EQ(audit("track.create").size(), 1u);
    EXPECT_EQ(audit("track.update").size(), 1u);
}

TEST_F(OrganiserStore, RoomsBelongToTheEventsVenue) {
    RoomInput room;
    room.name = "Terrace";
    room.capacity = 30;
    domain::Id id = 0;
    ASSERT_EQ(attempt([&] { id = create_room(conn, changes, 1, room, ana, now); }), "ok");
    EXPECT_EQ(count("SELECT venue_id FROM rooms WHERE id = " + std::to_string(id)), 1);
    EXPECT_EQ(attempt([&] { create_room(conn, changes, 3, room, ana, now); }), "event_has_no_venue");
    const auto anyone = [](domain::Id) { return true; };
    RoomInput bigger;
    bigger.capacity = 80;
    EXPECT_EQ(attempt([&] { update_room(conn, changes, 3, 1, bigger, anyone, ana, now); }), "room_not_found");
}

TEST_F(OrganiserStore, ARoomCannotShrinkBelowTheSessionsInIt) {
    const auto anyone = [](domain::Id) { return true; };
    RoomInput smaller;
    smaller.capacity = 59;
    EXPECT_EQ(attempt([&] { update_room(conn, changes, 1, 1, smaller, anyone, ana, now); }), "room_smaller_than_session");
    smaller.capacity = 60;
    EXPECT_EQ(attempt([&] { update_room(conn, changes, 1, 1, smaller, anyone, ana, now); }), "ok");
}

TEST_F(OrganiserStore, ARoomAnotherEventUsesNeedsItsOrganiserToo) {
    RoomInput rename;
    rename.name = "Sala petita";
    const auto only_event_1 = [](domain::Id e) { return e == 1; };
    EXPECT_EQ(attempt([&] { update_room(conn, changes, 1, 2, rename, only_event_1, ana, now); }), "room_shared");
    const auto both = [](domain::Id e) { return e == 1 || e == 2; };
    EXPECT_EQ(attempt([&] { update_room(conn, changes, 1, 2, rename, both, ana, now); }), "ok");
    EXPECT_TRUE(changes.events.count(2));  // the board's programme shows the new name
}

// --- sessions -------------------------------------------------------------------------------

TEST_F(OrganiserStore, ANewSessionIsAddedToTheScheduleAndAudited) {
    auto input = session("Workshop", "2014-06-13T11:00", "2014-06-13T12:00", 2);
    input.speakers = std::vector<std::string>{"Ada Colau", "Ana Botella", "Ada Colau"};
    input.track_id = std::optional<domain::Id>(1);
    domain::Id id = 0;
    ASSERT_EQ(attempt([&] { id = create_session(conn, changes, 1, input, ana, now); }), "ok");
    EXPECT_EQ(schedule_version(conn, 1), 2);
    const auto recorded = schedule_changes_after(conn, 0);
    ASSERT_EQ(recorded.size(), 1u);
    const auto record = json::parse(recorded[0].change_json);
    EXPECT_EQ(record["change"], "added");
    EXPECT_EQ(record["after"]["starts_at"], "2014-06-13T11:00:00+02:00");
    EXPECT_EQ(record["after"]["capacity"], 10);  // the room's, when none is given
    const auto programme = load_programme(conn, 1).value();
    const auto& added = programme.sessions.back();
    EXPECT_EQ(added.title, "Workshop");
    ASSERT_EQ(added.speakers.size(), 2u);
    EXPECT_EQ(added.speakers[0].name, "Ada Colau");
    EXPECT_EQ(session_seat_count(conn, id)->capacity, 10);
    EXPECT_EQ(audit("session.create").size(), 1u);
}

TEST_F(OrganiserStore, ADoubleBookedRoomIsRefusedAndNothingIsWritten) {
    const auto before_sessions = count("SELECT count(*) FROM sessions");
    std::string message;
    try {
        Savepoint sp(conn);
        create_session(conn, changes, 1, session("Clash", "2014-06-13T10:30", "2014-06-13T11:30", 1, 40), ana, now);
    } catch (const domain::Refusal& r) {
        EXPECT_EQ(r.code(), "room_double_booked");
        ASSERT_TRUE(r.session());
        EXPECT_EQ(r.session()->title, "Panel");
        message = r.what();
    }
    EXPECT_NE(message.find("Auditorium"), std::string::npos);
    EXPECT_EQ(count("SELECT count(*) FROM sessions"), before_sessions);
    EXPECT_EQ(schedule_version(conn, 1), 1);
    EXPECT_TRUE(audit("session.create").empty());
}

TEST_F(OrganiserStore, ASessionCannotOfferMorePlacesThanItsRoom) {
    EXPECT_EQ(attempt([&] { create_session(conn, changes, 1, session("Big", "2014-06-13T11:00", "2014-06-13T12:00", 2, 11), ana, now); }),
              "capacity_above_room");
    SessionInput more;
    more.capacity = 61;
    EXPECT_EQ(attempt([&] { update_session(conn, changes, 1, 2, more, ana, now); }), "capacity_above_room");
    SessionInput small_room;
    small_room.room_id = std::optional<domain::Id>(2);  // the panel's 60 places do not fit in 10
    EXPECT_EQ(attempt([&] { update_session(conn, changes, 1, 2, small_room, ana, now); }), "capacity_above_room");
}

TEST_F(OrganiserStore, ASessionRoomMustBeAtTheEventsVenueAndItsTrackInTheEvent) {
    conn.exec("INSERT INTO venues (id, name, timezone) VALUES (9, 'Elsewhere', 'Asia/Seoul');"
              "INSERT INTO rooms (id, venue_id, name, capacity) VALUES (9, 9, 'Far away', 100);");
    EXPECT_EQ(attempt([&] { create_session(conn, changes, 1, session("X", "2014-06-13T11:00", "2014-06-13T12:00", 9, 5), ana, now); }),
              "field:room_id");
    auto input = session("X", "2014-06-13T11:00", "2014-06-13T12:00", 2, 5);
    input.track_id = std::optional<domain::Id>(2);  // the board's track
    EXPECT_EQ(attempt([&] { create_session(conn, changes, 1, input, ana, now); }), "field:track_id");
}

TEST_F(OrganiserStore, MovingASessionGoesThroughTheScheduleAndIsAudited) {
    SessionInput move;
    move.starts_at = local("2014-06-13T12:00");
    move.reason = "Speaker delayed";
    int version = 0;
    ASSERT_EQ(attempt([&] { version = update_session(conn, changes, 1, 1, move, ana, now); }), "ok");
    EXPECT_EQ(version, 2);
    const auto s = load_session_snapshot(conn, 1).value();
    EXPECT_EQ(domain::format_in_zone(s.ends_at, "Europe/Madrid"), "2014-06-13T12:30:00+02:00");  // length kept
    const auto record = json::parse(schedule_changes_after(conn, 0).at(0).change_json);
    EXPECT_EQ(record["change"], "moved");
    EXPECT_EQ(record["reason"], "Speaker delayed");
    const auto entries = audit("session.move");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(json::parse(*entries[0].entry.before_json)["starts_at"], "2014-06-13T09:30:00+02:00");
    EXPECT_EQ(json::parse(*entries[0].entry.after_json)["starts_at"], "2014-06-13T12:00:00+02:00");
}

TEST_F(OrganiserStore, MovingIntoABookedRoomNamesTheOtherSession) {
    SessionInput move;
    move.starts_at = local("2014-06-13T10:15");  // into the panel
    try {
        Savepoint sp(conn);
        update_session(conn, changes, 1, 1, move, ana, now);
        FAIL() << "accepted a double booking";
    } catch (const domain::Refusal& r) {
        EXPECT_EQ(r.code(), "room_double_booked");
        ASSERT_TRUE(r.session());
        EXPECT_EQ(r.session()->id, 2);
    }
    EXPECT_EQ(schedule_version(conn, 1), 1);
}

TEST_F(OrganiserStore, TextTrackSpeakersAndLeavingARoomAreChanges) {
    SessionInput edit;
    edit.description = "Line one\nLine two";
    edit.kind = "plenary";
    edit.track_id = std::optional<domain::Id>{};
    edit.room_id = std::optional<domain::Id>{};
    edit.speakers = std::vector<std::string>{"Mercedes Vilanova"};
    ASSERT_EQ(attempt([&] { update_session(conn, changes, 1, 2, edit, ana, now); }), "ok");
    const auto programme = load_programme(conn, 1).value();
    const auto& panel = programme.sessions.at(1);
    EXPECT_EQ(panel.description, "Line one\nLine two");
    EXPECT_EQ(panel.kind, "plenary");
    EXPECT_FALSE(panel.track_id);
    EXPECT_FALSE(panel.room);
    ASSERT_EQ(panel.speakers.size(), 1u);
    EXPECT_EQ(schedule_version(conn, 1), 2);
    EXPECT_EQ(audit("session.move").size(), 1u);
}

TEST_F(OrganiserStore, AnotherEventsSessionIsNotFound) {
    SessionInput edit;
    edit.title = "Hijacked";
    EXPECT_EQ(attempt([&] { update_session(conn, changes, 1, 3, edit, ana, now); }), "session_not_found");
    EXPECT_EQ(attempt([&] { cancel_session(conn, changes, 1, 3, "x", ana, now); }), "session_not_found");
    EXPECT_EQ(load_session_snapshot(conn, 3)->title, "Board meeting");
}

TEST_F(OrganiserStore, CancellingASessionRecordsItOnceAndFreesItsRoom) {
    ASSERT_EQ(attempt([&] { cancel_session(conn, changes, 1, 2, "Speaker ill", ana, now); }), "ok");
    EXPECT_EQ(load_session_snapshot(conn, 2)->status, domain::SessionStatus::cancelled);
    EXPECT_EQ(json::parse(schedule_changes_after(conn, 0).at(0).change_json)["change"], "cancelled");
    EXPECT_EQ(attempt([&] { cancel_session(conn, changes, 1, 2, "again", ana, now); }), "session_cancelled");
    EXPECT_EQ(attempt([&] { create_session(conn, changes, 1, session("Instead", "2014-06-13T10:00", "2014-06-13T11:00", 1, 30), ana, now); }),
              "ok");
    const auto entries = audit("session.cancel");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].entry.reason, "Room change");  // the context's reason: the handler passes the person's
}

TEST_F(OrganiserStore, SessionCapacityCannotDropBelowItsConfirmedEnrolments) {
    const auto a = reg("A", "a@x.org");
    const auto b = reg("B", "b@x.org");
    enrol(conn, changes, a.code, 2, now);
    enrol(conn, changes, b.code, 2, now);
    SessionInput smaller;
    smaller.capacity = 1;
    EXPECT_EQ(attempt([&] { update_session(conn, changes, 1, 2, smaller, ana, now); }), "capacity_below_confirmed");
}

// --- registrations --------------------------------------------------------------------------

TEST_F(OrganiserStore, RegistrationsAreSearchedFilteredAndPaged) {
    reg("José Ñúñez", "jose@bcn.cat", std::nullopt, 1);
    reg("Ana Ruiz", "ana@example.org", std::string("Ajuntament"));
    reg("O'Brien", "ob@un.org", std::nullopt, 2);  // waiting list: the event has 2 places
    reg("100% Pat", "pat@x.org");

    RegistrationQuery all;
    auto page = list_registrations(conn, 1, all);
    EXPECT_EQ(page.total, 4);
    EXPECT_EQ(page.confirmed, 2);
    EXPECT_EQ(page.waitlisted, 2);
    EXPECT_EQ(page.rows.at(0).name, "José Ñúñez");
    EXPECT_EQ(page.rows.at(0).member_organisation, "Barcelona");
    EXPECT_TRUE(page.rows.at(0).member);
    EXPECT_EQ(page.rows.at(3).waitlist_position, 2);
    EXPECT_EQ(page.organisations, (std::vector<std::string>{"Ajuntament", "Barcelona", "UN-Habitat"}));

    RegistrationQuery search;
    search.search = "EXAMPLE";
    EXPECT_EQ(list_registrations(conn, 1, search).total, 0);  // not indexed yet (the writer does it)
    index_pending_registrations(conn);
    EXPECT_EQ(list_registrations(conn, 1, search).total, 1);
    search.search = "un-hab";  // the member organisation's name
    EXPECT_EQ(list_registrations(conn, 1, search).rows.at(0).name, "O'Brien");
    search.search = "%";  // a literal percent sign, not a wildcard
    EXPECT_EQ(list_registrations(conn, 1, search).rows.at(0).name, "100% Pat");

    RegistrationQuery members;
    members.member = true;
    EXPECT_EQ(list_registrations(conn, 1, members).total, 1);
    members.member = false;
    EXPECT_EQ(list_registrations(conn, 1, members).total, 3);

    RegistrationQuery waiting;
    waiting.status = RegistrationStatus::waitlisted;
    page = list_registrations(conn, 1, waiting);
    EXPECT_EQ(page.total, 2);
    EXPECT_EQ(page.rows.at(0).waitlist_position, 1);  // positions count the whole list

    RegistrationQuery by_org;
    by_org.organisation = "Ajuntament";
    EXPECT_EQ(list_registrations(conn, 1, by_org).rows.at(0).name, "Ana Ruiz");

    RegistrationQuery paged;
    paged.per_page = 3;
    paged.page = 2;
    paged.order = RegistrationQuery::Order::name;
    page = list_registrations(conn, 1, paged);
    EXPECT_EQ(page.total, 4);
    ASSERT_EQ(page.rows.size(), 1u);
    EXPECT_EQ(page.rows[0].name, "O'Brien");
}

TEST_F(OrganiserStore, ASessionsListShowsItsEnrolmentsWithTheirOwnStatus) {
    const auto a = reg("A", "a@x.org");
    const auto b = reg("B", "b@x.org");
    enrol(conn, changes, a.code, 1, now);
    enrol(conn, changes, b.code, 1, now);
    conn.exec("UPDATE sessions SET capacity = 1 WHERE id = 2");
    enrol(conn, changes, a.code, 2, now);
    enrol(conn, changes, b.code, 2, now);  // waiting list
    RegistrationQuery q;
    q.session_id = 2;
    const auto page = list_registrations(conn, 1, q);
    ASSERT_EQ(page.total, 2);
    EXPECT_EQ(page.rows[1].status, RegistrationStatus::waitlisted);
    EXPECT_EQ(page.rows[1].waitlist_position, 1);
    EXPECT_EQ(page.confirmed, 1);
    q.session_id = 3;  // another event's
    EXPECT_THROW(list_registrations(conn, 1, q), domain::NotFound);

    RegistrationQuery every;
    const auto rows = list_enrolments(conn, 1, every);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].session_title, "Opening");
    EXPECT_EQ(rows[3].status, RegistrationStatus::waitlisted);
}

TEST_F(OrganiserStore, PromotionRespectsCapacityUnlessTheOrganiserRaisesIt) {
    reg("A", "a@x.org");
    reg("B", "b@x.org");
    reg("C", "c@x.org");
    const auto d = reg("D", "d@x.org");
    const auto d_id = d.id;
    EXPECT_EQ(attempt([&] { promote_registration(conn, changes, 1, d_id, false, ana, now); }), "event_full");
    EXPECT_TRUE(audit("registration.promote").empty());
    RegistrationRow row;
    ASSERT_EQ(attempt([&] { row = promote_registration(conn, changes, 1, d_id, true, ana, now); }), "ok");
    EXPECT_EQ(row.status, RegistrationStatus::confirmed);
    EXPECT_EQ(load_event(conn, 1)->capacity, 3);  // raised by exactly one
    EXPECT_EQ(load_event(conn, 1)->confirmed, 3);
    EXPECT_EQ(audit("event.capacity").size(), 1u);
    const auto entries = audit("registration.promote");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(json::parse(*entries[0].entry.before_json)["status"], "waitlisted");
    EXPECT_EQ(json::parse(*entries[0].entry.after_json)["status"], "confirmed");
    EXPECT_EQ(attempt([&] { promote_registration(conn, changes, 1, d_id, true, ana, now); }), "not_waitlisted");
}

TEST_F(OrganiserStore, AManualPromotionMayJumpTheQueueWhenAPlaceIsFree) {
    const auto a = reg("A", "a@x.org");
    reg("B", "b@x.org");
    const auto c = reg("C", "c@x.org");
    const auto d = reg("D", "d@x.org");
    // A seat frees after the deadline: nobody is promoted automatically then.
    cancel_registration(conn, changes, a.code, utc("2014-06-12T23:00:00Z"));
    ASSERT_EQ(attempt([&] { promote_registration(conn, changes, 1, d.id, false, ana, now); }), "ok");
    EXPECT_EQ(load_registration(conn, d.code)->status, RegistrationStatus::confirmed);
    EXPECT_EQ(load_registration(conn, c.code)->waitlist_position, 1);
}

TEST_F(OrganiserStore, AnOrganiserCancellationHandsThePlaceOnAndIsAudited) {
    const auto a = reg("A", "a@x.org");
    reg("B", "b@x.org");
    const auto c = reg("C", "c@x.org");
    ASSERT_EQ(attempt([&] { cancel_registration_by_organiser(conn, changes, 1, a.id, ana, now); }), "ok");
    EXPECT_EQ(load_registration(conn, a.code)->status, RegistrationStatus::cancelled);
    EXPECT_EQ(load_registration(conn, c.code)->status, RegistrationStatus::confirmed);
    EXPECT_EQ(audit("registration.cancel").size(), 1u);
    EXPECT_EQ(attempt([&] { cancel_registration_by_organiser(conn, changes, 1, a.id, ana, now); }), "registration_cancelled");
    EXPECT_EQ(attempt([&] { cancel_registration_by_organiser(conn, changes, 2, c.id, ana, now); }), "registration_not_found");
}

TEST_F(OrganiserStore, EnrolmentsArePromotedMovedAndCancelledByHand) {
    const auto a = reg("A", "a@x.org");
    const auto b = reg("B", "b@x.org");
    conn.exec("UPDATE sessions SET capacity = 1 WHERE id = 2");
    enrol(conn, changes, a.code, 2, now);
    enrol(conn, changes, b.code, 2, now);  // waiting list of the panel
    EXPECT_EQ(attempt([&] { promote_enrolment(conn, changes, 1, 2, b.id, false, ana, now); }), "session_full");
    ASSERT_EQ(attempt([&] { promote_enrolment(conn, changes, 1, 2, b.id, true, ana, now); }), "ok");
    EXPECT_EQ(session_seat_count(conn, 2)->confirmed, 2);
    EXPECT_EQ(session_seat_count(conn, 2)->capacity, 2);
    EXPECT_EQ(audit("session.capacity").size(), 1u);

    // The opening runs before the panel: B moves there, and the panel's place is free.
    ASSERT_EQ(attempt([&] { move_enrolment(conn, changes, 1, 2, b.id, 1, false, ana, now); }), "ok");
    const auto b_now = load_registration(conn, b.code).value();
    ASSERT_EQ(b_now.sessions.size(), 1u);
    EXPECT_EQ(b_now.sessions[0].session_id, 1);
    EXPECT_EQ(b_now.sessions[0].status, RegistrationStatus::confirmed);
    EXPECT_EQ(audit("enrolment.move").size(), 1u);
    EXPECT_EQ(attempt([&] { move_enrolment(conn, changes, 1, 1, b.id, 3, false, ana, now); }), "field:to_session_id");

    ASSERT_EQ(attempt([&] { cancel_enrolment(conn, changes, 1, 1, b.id, ana, now); }), "ok");
    EXPECT_TRUE(load_registration(conn, b.code)->sessions.empty());
    EXPECT_EQ(attempt([&] { cancel_enrolment(conn, changes, 1, 1, b.id, ana, now); }), "enrolment_not_found");
}

TEST_F(OrganiserStore, AnOverriddenPromotionNeverGoesAboveTheRoom) {
    const auto a = reg("A", "a@x.org");
    const auto b = reg("B", "b@x.org");
    conn.exec("UPDATE rooms SET capacity = 1 WHERE id = 1; UPDATE sessions SET capacity = 1 WHERE id = 1");
    enrol(conn, changes, a.code, 1, now);
    enrol(conn, changes, b.code, 1, now);
    EXPECT_EQ(attempt([&] { promote_enrolment(conn, changes, 1, 1, b.id, true, ana, now); }), "capacity_above_room");
    EXPECT_EQ(session_seat_count(conn, 1)->capacity, 1);
}

// --- activity ---------------------------------------------------------------------------------

TEST_F(OrganiserStore, TheActivityFeedTellsEachThingOnceNewestFirstAndPages) {
    const auto a = register_delegate(conn, changes, 1, RegistrationInput{"A", "a@x.org", {}, {}, "en"}, utc("2014-06-01T09:00:00Z"));
    register_delegate(conn, changes, 1, RegistrationInput{"B", "b@x.org", {}, {}, "en"}, utc("2014-06-01T09:05:00Z"));
    const auto c = register_delegate(conn, changes, 1, RegistrationInput{"C", "c@x.org", {}, {}, "en"}, utc("2014-06-01T09:10:00Z"));
    cancel_registration(conn, changes, a.code, utc("2014-06-01T09:20:00Z"));  // by the delegate: C moves up
    SessionChange cli_move;  // a change made with `congress session`: no audit entry
    cli_move.starts_at = local("2014-06-13T12:00");
    change_session(conn, changes, 1, cli_move, utc("2014-06-01T09:30:00Z"));
    cancel_session(conn, changes, 1, 2, "Ill", ana, utc("2014-06-01T09:40:00Z"));  // by staff: audited

    const auto items = list_activity(conn, 1, "", 50);
    std::vector<std::string> types;
    for (const auto& item : items) types.push_back(item.type);
    // The cancelled session is told by its audit entry only; C's promotion came with A's cancellation.
    EXPECT_EQ(types, (std::vector<std::string>{"staff", "schedule", "promoted", "cancelled", "registered", "registered", "registered"}));
    EXPECT_EQ(items[0].data["action"], "session.cancel");
    EXPECT_EQ(items[0].data["actor"], "ana@example.org");
    EXPECT_EQ(items[1].data["change"], "moved");
    EXPECT_EQ(items[2].data["registration"]["name"], "C");
    (void)c;

    const auto first = list_activity(conn, 1, "", 3);
    ASSERT_EQ(first.size(), 3u);
    const auto rest = list_activity(conn, 1, first.back().cursor, 50);
    ASSERT_EQ(rest.size(), 4u);
    EXPECT_EQ(rest[0].type, "cancelled");
    EXPECT_THROW(list_activity(conn, 1, "nonsense", 5), domain::InvalidField);
    EXPECT_TRUE(list_activity(conn, 3, "", 5).empty());
}

// --- through the single writer -----------------------------------------------------------

TEST(OrganiserStoreWriter, AManualChangeThroughTheWriterReportsItsEventForLivePushes) {
    TempDir dir;
    {
        Connection setup(dir.file("w.db"), OpenMode::read_write_create);
        configure_writer(setup);
        migrate(setup, builtin_migrations());
        setup.exec(fixture_sql);
    }
    Database db(DatabaseOptions{dir.file("w.db"), 1, true});
    std::promise<ChangeSet> committed;
    db.set_commit_listener([&committed](Connection&, const ChangeSet& changes) { committed.set_value(changes); });
    std::promise<std::exception_ptr> done;
    const AuditContext context{AuditActor{5, "ana@example.org"}, std::string("Moved to a bigger room"), std::nullopt};
    db.write(
        [&](Connection& conn, ChangeSet& changes) {
            SessionInput move;
            move.room_id = std::optional<domain::Id>(2);
            move.capacity = 2;
            update_session(conn, changes, 1, 1, move, context, domain::now());
        },
        [&done](std::exception_ptr error) { done.set_value(error); });
    EXPECT_EQ(done.get_future().get(), nullptr);
    EXPECT_TRUE(committed.get_future().get().events.count(1));
    std::promise<int> version;
    db.read([&version](Connection& conn) { version.set_value(schedule_version(conn, 1).value_or(0)); });
    EXPECT_EQ(version.get_future().get(), 2);
}
