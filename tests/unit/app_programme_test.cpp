#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/programme.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/programme_store.hpp"
#include "storage/registration_store.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using congress::app::change_session;
using congress::app::change_event_settings;
using congress::app::EventSettings;
using SessionChangeRequest = congress::app::SessionChange;
using congress::testing::TempDir;

namespace {

// The programme's use cases as the command line calls them (`congress session`, `congress
// event`): the same rules as the console's routes.
// One event in Madrid on 13 June 2014 with two rooms and two sessions in room 1.
struct Programme : ::testing::Test {
    TempDir dir;
    Connection conn{dir.file("c.db"), OpenMode::read_write_create};
    ChangeSet changes;
    const domain::Instant now = domain::parse_utc("2014-06-01T10:00:00Z").value();

    void SetUp() override {
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        conn.exec(R"sql(
            INSERT INTO venues (id, name, timezone) VALUES (1, 'Espai', 'Europe/Madrid');
            INSERT INTO rooms (id, venue_id, name, capacity) VALUES (1, 1, 'Auditorium', 60), (2, 1, 'Small room', 10);
            INSERT INTO events (id, slug, title, kind, timezone, venue_id, starts_at, ends_at, capacity)
            VALUES (1, 'c', 'C', 'colloquium', 'Europe/Madrid', 1, '2014-06-13T07:30:00Z', '2014-06-13T12:30:00Z', 60);
            INSERT INTO sessions (id, event_id, room_id, title, starts_at, ends_at, capacity)
            VALUES (1, 1, 1, 'Opening', '2014-06-13T07:30:00Z', '2014-06-13T08:00:00Z', 2),
                   (2, 1, 1, 'Panel', '2014-06-13T08:00:00Z', '2014-06-13T09:00:00Z', 60);
        )sql");
    }

    std::string refusal(const SessionChangeRequest& request, domain::Id session = 1) {
        try {
            change_session(conn, changes, session, request, now);
        } catch (const domain::Refusal& r) {
            return r.code();
        } catch (const domain::InvalidField& e) {
            return "invalid:" + e.field();
        }
        return "accepted";
    }
};

domain::LocalTime local(const char* text) { return domain::parse_local(text).value(); }

}  // namespace

TEST_F(Programme, MovingASessionBumpsTheVersionAndRecordsTheChange) {
    SessionChangeRequest move;
    move.starts_at = local("2014-06-13T11:00");
    move.reason = "Speaker delayed";
    EXPECT_EQ(change_session(conn, changes, 1, move, now), 2);
    const auto s = load_session_snapshot(conn, 1).value();
    EXPECT_EQ(domain::format_in_zone(s.starts_at, "Europe/Madrid"), "2014-06-13T11:00:00+02:00");
    EXPECT_EQ(domain::format_in_zone(s.ends_at, "Europe/Madrid"), "2014-06-13T11:30:00+02:00");  // length kept
    const auto recorded = schedule_changes_after(conn, 0);
    ASSERT_EQ(recorded.size(), 1u);
    EXPECT_EQ(recorded[0].version, 2);
    const auto record = nlohmann::json::parse(recorded[0].change_json);
    EXPECT_EQ(record["change"], "moved");
    EXPECT_EQ(record["reason"], "Speaker delayed");
    EXPECT_EQ(record["before"]["starts_at"], "2014-06-13T09:30:00+02:00");
    EXPECT_EQ(schedule_version(conn, 1), 2);
}

TEST_F(Programme, ARoomCannotBeDoubleBooked) {
    SessionChangeRequest clash;
    clash.starts_at = local("2014-06-13T10:30");  // into the panel, same room
    EXPECT_EQ(refusal(clash), "room_double_booked");
    EXPECT_EQ(schedule_version(conn, 1), 1);
    SessionChangeRequest elsewhere = clash;
    elsewhere.room_id = 2;
    elsewhere.capacity = 10;
    EXPECT_EQ(refusal(elsewhere), "accepted");
}

TEST_F(Programme, CapacityCannotExceedTheRoom) {
    SessionChangeRequest too_big;
    too_big.capacity = 61;
    EXPECT_EQ(refusal(too_big), "capacity_above_room");
}

TEST_F(Programme, SessionsStayWithinTheirEventAndEndAfterTheyStart) {
    SessionChangeRequest late;
    late.starts_at = local("2014-06-13T14:15");
    EXPECT_EQ(refusal(late), "invalid:starts_at");
    SessionChangeRequest backwards;
    backwards.ends_at = local("2014-06-13T09:00");
    EXPECT_EQ(refusal(backwards), "invalid:ends_at");
}

TEST_F(Programme, CancellingFreesTheRoomAndIsRecordedAsCancelled) {
    SessionChangeRequest cancel;
    cancel.cancel = true;
    EXPECT_EQ(refusal(cancel, 2), "accepted");
    EXPECT_EQ(nlohmann::json::parse(schedule_changes_after(conn, 0).back().change_json)["change"], "cancelled");
    SessionChangeRequest into_the_gap;
    into_the_gap.starts_at = local("2014-06-13T10:15");
    EXPECT_EQ(refusal(into_the_gap), "accepted");
}

TEST_F(Programme, ACapacityIncreasePromotesTheSessionWaitingList) {
    conn.exec(R"sql(UPDATE events SET registration_opens_at = NULL, registration_closes_at = NULL WHERE id = 1)sql");
    std::vector<std::string> codes;
    for (int i = 0; i < 3; ++i)
        codes.push_back(register_delegate(conn, changes, 1, RegistrationInput{"D", "d" + std::to_string(i) + "@x.org", {}, {}, {}}, now).code);
    for (const auto& code : codes) enrol(conn, changes, code, 1, now);
    EXPECT_EQ(session_seat_count(conn, 1)->waitlisted, 1);
    SessionChangeRequest bigger;
    bigger.capacity = 3;
    change_session(conn, changes, 1, bigger, now);
    const auto count = session_seat_count(conn, 1).value();
    EXPECT_EQ(count.confirmed, 3);
    EXPECT_EQ(count.waitlisted, 0);
}

TEST_F(Programme, EveryScheduleChangeIsATypedRecordForTheLiveFeed) {
    SessionChangeRequest move;
    move.starts_at = local("2014-06-13T11:00");
    move.reason = "Speaker delayed";
    change_session(conn, changes, 1, move, now);
    ASSERT_EQ(changes.schedule.size(), 1u);
    const auto& change = changes.schedule[0];
    EXPECT_EQ(change.event_id, 1);
    EXPECT_EQ(change.version, 2);
    EXPECT_EQ(change.kind, domain::ScheduleChangeKind::moved);
    EXPECT_EQ(change.reason, "Speaker delayed");
    EXPECT_EQ(change.after.id, 1);
    EXPECT_EQ(domain::format_in_zone(change.after.starts_at, "Europe/Madrid"), "2014-06-13T11:00:00+02:00");
    ASSERT_TRUE(change.before.has_value());
    EXPECT_EQ(domain::format_in_zone(change.before->starts_at, "Europe/Madrid"), "2014-06-13T09:30:00+02:00");
    EXPECT_EQ(change.record_id, schedule_changes_after(conn, 0).back().id);  // the record the log holds
    EXPECT_TRUE(changes.events.count(1));

    // A refused change adds nothing.
    SessionChangeRequest clash;
    clash.starts_at = local("2014-06-13T10:30");
    EXPECT_EQ(refusal(clash, 2), "room_double_booked");
    EXPECT_EQ(changes.schedule.size(), 1u);
}

TEST_F(Programme, TheCommandLineCannotTakeASessionBelowItsConfirmedDelegates) {
    // The side door issue 15 found: `congress session --capacity 0` with one delegate confirmed.
    conn.exec(R"sql(UPDATE events SET registration_opens_at = NULL, registration_closes_at = NULL WHERE id = 1)sql");
    const auto code = register_delegate(conn, changes, 1, RegistrationInput{"D", "d@x.org", {}, {}, {}}, now).code;
    enrol(conn, changes, code, 1, now);
    ASSERT_EQ(session_seat_count(conn, 1)->confirmed, 1);
    SessionChangeRequest none;
    none.capacity = 0;
    EXPECT_EQ(refusal(none), "capacity_below_confirmed");
    EXPECT_EQ(session_seat_count(conn, 1)->capacity, 2);
    EXPECT_EQ(schedule_version(conn, 1), 1);
    SessionChangeRequest one;
    one.capacity = 1;
    EXPECT_EQ(refusal(one), "accepted");
}

TEST_F(Programme, TheCommandLineCannotTakeAnEventBelowItsConfirmedDelegates) {
    conn.exec(R"sql(UPDATE events SET registration_opens_at = NULL, registration_closes_at = NULL WHERE id = 1)sql");
    register_delegate(conn, changes, 1, RegistrationInput{"D", "d@x.org", {}, {}, {}}, now);
    register_delegate(conn, changes, 1, RegistrationInput{"E", "e@x.org", {}, {}, {}}, now);
    std::string code;
    try {
        change_event_settings(conn, changes, 1, EventSettings{1, std::nullopt}, now);
    } catch (const domain::Refusal& r) {
        code = r.code();
    }
    EXPECT_EQ(code, "capacity_below_confirmed");
    EXPECT_EQ(event_seat_counts(conn, 1).front().capacity, 60);
    change_event_settings(conn, changes, 1, EventSettings{2, std::nullopt}, now);
    EXPECT_EQ(event_seat_counts(conn, 1).front().capacity, 2);
}

TEST_F(Programme, TheCommandLineRefusesATimeTheClocksSkip) {
    // 02:30 on 30 March 2014 does not exist in Madrid (02:00 became 03:00). Give the event
    // that night so that only the skipped time is wrong.
    conn.exec(R"sql(UPDATE events SET starts_at = '2014-03-29T23:00:00Z', ends_at = '2014-06-13T12:30:00Z' WHERE id = 1)sql");
    SessionChangeRequest night;
    night.starts_at = local("2014-03-30T02:30");
    EXPECT_EQ(refusal(night), "invalid:starts_at");
    EXPECT_EQ(schedule_version(conn, 1), 1);
    night.starts_at = local("2014-03-30T03:30");
    EXPECT_EQ(refusal(night), "accepted");
}

TEST_F(Programme, TheCommandLineCannotChangeACancelledSession) {
    SessionChangeRequest cancel;
    cancel.cancel = true;
    cancel.reason = "Speaker ill";
    ASSERT_EQ(refusal(cancel, 2), "accepted");
    SessionChangeRequest rename;
    rename.title = "Panel, again";
    EXPECT_EQ(refusal(rename, 2), "session_cancelled");
    EXPECT_EQ(refusal(cancel, 2), "session_cancelled");
}
