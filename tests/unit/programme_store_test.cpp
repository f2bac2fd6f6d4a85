#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/programme_store.hpp"
#include "storage/registration_store.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using congress::testing::TempDir;

namespace {

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
