// The organiser's programme rules (domain/programme_edit.hpp), without a database.
#include <gtest/gtest.h>

#include "domain/programme_edit.hpp"

using namespace congress::domain;

namespace {

Instant utc(const char* text) { return parse_utc(text).value(); }
LocalTime local(const char* text) { return parse_local(text).value(); }

// The Barcelona colloquium: 13 June 2014, 09:30-14:30 in Madrid (07:30-12:30 UTC).
const Instant event_starts = utc("2014-06-13T07:30:00Z");
const Instant event_ends = utc("2014-06-13T12:30:00Z");
const Room auditorium{1, "Auditorium", 60, {}, {}};

SessionPlan plan(const char* starts, const char* ends, int capacity, std::optional<Room> room = auditorium) {
    return SessionPlan{utc(starts), utc(ends), capacity, std::move(room), SessionStatus::scheduled};
}

// The code of what check_session_plan refuses ("field:x" for an invalid field), or "ok".
std::string verdict(const SessionPlan& p, int confirmed = 0, const std::vector<Booking>& room = {},
                    std::optional<Id> self = std::nullopt) {
    try {
        check_session_plan(p, event_starts, event_ends, "Europe/Madrid", confirmed, room, self);
    } catch (const Refusal& r) {
        return r.code();
    } catch (const InvalidField& f) {
        return "field:" + f.field();
    }
    return "ok";
}

const std::vector<Booking> panel_in_auditorium{{7, "Panel", utc("2014-06-13T08:00:00Z"), utc("2014-06-13T09:00:00Z")}};

}  // namespace

TEST(OrganiserRules, ARoomCannotHoldTwoSessionsAtOnce) {
    EXPECT_EQ(verdict(plan("2014-06-13T08:30:00Z", "2014-06-13T09:30:00Z", 50), 0, panel_in_auditorium), "room_double_booked");
    // Inside, around, and exactly the same time all clash.
    EXPECT_EQ(verdict(plan("2014-06-13T08:15:00Z", "2014-06-13T08:45:00Z", 50), 0, panel_in_auditorium), "room_double_booked");
    EXPECT_EQ(verdict(plan("2014-06-13T07:30:00Z", "2014-06-13T10:00:00Z", 50), 0, panel_in_auditorium), "room_double_booked");
    EXPECT_EQ(verdict(plan("2014-06-13T08:00:00Z", "2014-06-13T09:00:00Z", 50), 0, panel_in_auditorium), "room_double_booked");
}

TEST(OrganiserRules, BackToBackSessionsInOneRoomDoNotClash) {
    EXPECT_EQ(verdict(plan("2014-06-13T09:00:00Z", "2014-06-13T10:00:00Z", 50), 0, panel_in_auditorium), "ok");
    EXPECT_EQ(verdict(plan("2014-06-13T07:30:00Z", "2014-06-13T08:00:00Z", 50), 0, panel_in_auditorium), "ok");
}

TEST(OrganiserRules, ASessionDoesNotClashWithItself) {
    EXPECT_EQ(verdict(plan("2014-06-13T08:30:00Z", "2014-06-13T09:30:00Z", 50), 0, panel_in_auditorium, Id{7}), "ok");
}

TEST(OrganiserRules, TheDoubleBookingRefusalNamesTheOtherSession) {
    try {
        check_session_plan(plan("2014-06-13T08:30:00Z", "2014-06-13T09:30:00Z", 50), event_starts, event_ends,
                           "Europe/Madrid", 0, panel_in_auditorium, std::nullopt);
        FAIL() << "accepted a double booking";
    } catch (const Refusal& r) {
        ASSERT_TRUE(r.session());
        EXPECT_EQ(r.session()->id, 7);
        EXPECT_EQ(r.session()->title, "Panel");
        EXPECT_NE(std::string(r.what()).find("Auditorium"), std::string::npos);
    }
}

TEST(OrganiserRules, ACancelledSessionOrOneWithoutARoomBooksNothing) {
    auto cancelled = plan("2014-06-13T08:30:00Z", "2014-06-13T09:30:00Z", 50);
    cancelled.status = SessionStatus::cancelled;
    EXPECT_EQ(verdict(cancelled, 0, panel_in_auditorium), "ok");
    EXPECT_EQ(verdict(plan("2014-06-13T08:30:00Z", "2014-06-13T09:30:00Z", 500, std::nullopt), 0, panel_in_auditorium), "ok");
}

TEST(OrganiserRules, CapacityMayNotExceedTheRoomNorFallBelowTheConfirmed) {
    EXPECT_EQ(verdict(plan("2014-06-13T09:00:00Z", "2014-06-13T10:00:00Z", 61)), "capacity_above_room");
    EXPECT_EQ(verdict(plan("2014-06-13T09:00:00Z", "2014-06-13T10:00:00Z", 60)), "ok");
    EXPECT_EQ(verdict(plan("2014-06-13T09:00:00Z", "2014-06-13T10:00:00Z", 20), 21), "capacity_below_confirmed");
    EXPECT_EQ(verdict(plan("2014-06-13T09:00:00Z", "2014-06-13T10:00:00Z", 21), 21), "ok");
    EXPECT_EQ(verdict(plan("2014-06-13T09:00:00Z", "2014-06-13T10:00:00Z", -1)), "field:capacity");
}

TEST(OrganiserRules, ASessionEndsAfterItStartsAndLiesWithinItsEvent) {
    EXPECT_EQ(verdict(plan("2014-06-13T10:00:00Z", "2014-06-13T10:00:00Z", 10)), "field:ends_at");
    EXPECT_EQ(verdict(plan("2014-06-13T10:00:00Z", "2014-06-13T09:00:00Z", 10)), "field:ends_at");
    EXPECT_EQ(verdict(plan("2014-06-13T07:00:00Z", "2014-06-13T08:00:00Z", 10)), "field:starts_at");
    EXPECT_EQ(verdict(plan("2014-06-13T12:00:00Z", "2014-06-13T13:00:00Z", 10)), "field:starts_at");
    EXPECT_EQ(verdict(plan("2014-06-13T07:30:00Z", "2014-06-13T12:30:00Z", 10)), "ok");  // the whole event
}

TEST(OrganiserRules, AMovedSessionKeepsItsLengthUnlessItsEndIsGiven) {
    const Slot before{utc("2014-06-13T08:00:00Z"), utc("2014-06-13T09:30:00Z")};
    const auto moved = moved_slot(before, utc("2014-06-13T10:00:00Z"), std::nullopt);
    EXPECT_EQ(moved.ends_at, utc("2014-06-13T11:30:00Z"));
    const auto stretched = moved_slot(before, std::nullopt, utc("2014-06-13T10:00:00Z"));
    EXPECT_EQ(stretched.starts_at, before.starts_at);
    EXPECT_EQ(stretched.ends_at, utc("2014-06-13T10:00:00Z"));
}

TEST(OrganiserRules, TimesAreEnteredInTheEventZone) {
    EXPECT_EQ(organiser_instant(local("2014-10-07T09:00"), "Asia/Kolkata", "starts_at"), utc("2014-10-07T03:30:00Z"));
    EXPECT_EQ(organiser_instant(local("2014-06-13T09:30"), "Europe/Madrid", "starts_at"), utc("2014-06-13T07:30:00Z"));
    EXPECT_EQ(organiser_instant(local("2014-11-20T09:30"), "Asia/Seoul", "starts_at"), utc("2014-11-20T00:30:00Z"));
}

TEST(OrganiserRules, ATimeTheClocksSkipIsRefusedNamingTheField) {
    // Madrid, 30 March 2014: 02:00 becomes 03:00.
    EXPECT_EQ(classify_local(local("2014-03-30T02:30"), "Europe/Madrid"), LocalTimeKind::skipped);
    try {
        organiser_instant(local("2014-03-30T02:30"), "Europe/Madrid", "ends_at");
        FAIL() << "accepted a time that does not exist";
    } catch (const InvalidField& e) {
        EXPECT_EQ(e.field(), "ends_at");
        EXPECT_NE(std::string(e.what()).find("2014-03-30T02:30"), std::string::npos);
    }
    EXPECT_EQ(organiser_instant(local("2014-03-30T03:00"), "Europe/Madrid", "starts_at"), utc("2014-03-30T01:00:00Z"));
}

TEST(OrganiserRules, ARepeatedTimeMeansTheFirstOfTheTwo) {
    // Madrid, 26 October 2014: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
    EXPECT_EQ(classify_local(local("2014-10-26T02:30"), "Europe/Madrid"), LocalTimeKind::ambiguous);
    EXPECT_EQ(organiser_instant(local("2014-10-26T02:30"), "Europe/Madrid", "starts_at"), utc("2014-10-26T00:30:00Z"));
    EXPECT_EQ(classify_local(local("2014-10-26T09:00"), "Europe/Madrid"), LocalTimeKind::unique);
}

TEST(OrganiserRules, ASessionAcrossTheSpringChangeIsAnHourShorterThanTheClockSays) {
    // 01:30 to 03:30 on the night the clocks go forward: one real hour.
    const auto starts = organiser_instant(local("2014-03-30T01:30"), "Europe/Madrid", "starts_at");
    const auto ends = organiser_instant(local("2014-03-30T03:30"), "Europe/Madrid", "ends_at");
    EXPECT_EQ(ends - starts, std::chrono::hours(1));
    EXPECT_EQ(format_in_zone(ends, "Europe/Madrid"), "2014-03-30T03:30:00+02:00");
    // And it is checked as one hour against the room's other bookings.
    const std::vector<Booking> at_two_utc{{9, "Night talk", utc("2014-03-30T01:30:00Z"), utc("2014-03-30T02:00:00Z")}};
    SessionPlan night{starts, ends, 10, auditorium, SessionStatus::scheduled};
    EXPECT_NO_THROW(check_session_plan(night, utc("2014-03-29T00:00:00Z"), utc("2014-03-31T00:00:00Z"), "Europe/Madrid", 0,
                                       at_two_utc, std::nullopt));
}

TEST(OrganiserRules, AnEventPlanIsCheckedFieldByField) {
    EventPlan good{"Europe/Madrid", event_starts, event_ends, utc("2014-05-04T22:00:00Z"), utc("2014-06-12T22:00:00Z"), 60, {2013, 2014}};
    EXPECT_NO_THROW(check_event_plan(good));
    const auto field_of = [](EventPlan p) -> std::string {
        try {
            check_event_plan(p);
        } catch (const InvalidField& e) {
            return e.field();
        }
        return "ok";
    };
    auto p = good;
    p.timezone = "Mars/Olympus";
    EXPECT_EQ(field_of(p), "timezone");
    p = good;
    p.ends_at = p.starts_at;
    EXPECT_EQ(field_of(p), "ends_at");
    p = good;
    p.registration_closes_at = p.registration_opens_at;
    EXPECT_EQ(field_of(p), "registration_closes_at");
    p = good;
    p.registration_opens_at = event_ends;
    p.registration_closes_at.reset();
    EXPECT_EQ(field_of(p), "registration_opens_at");
    p = good;
    p.capacity = max_capacity + 1;
    EXPECT_EQ(field_of(p), "capacity");
    p = good;
    p.dues_paid_years = {1800};
    EXPECT_EQ(field_of(p), "eligibility");
}

TEST(OrganiserRules, AnEventCannotShrinkAroundItsSessions) {
    const std::vector<Booking> sessions{{3, "Closing", utc("2014-06-13T12:00:00Z"), utc("2014-06-13T12:30:00Z")}};
    EXPECT_NO_THROW(check_sessions_within(sessions, event_starts, event_ends));
    try {
        check_sessions_within(sessions, event_starts, utc("2014-06-13T12:15:00Z"));
        FAIL();
    } catch (const Refusal& r) {
        EXPECT_EQ(r.code(), "sessions_outside_event");
        EXPECT_NE(std::string(r.what()).find("Closing"), std::string::npos);
    }
}

TEST(OrganiserRules, ARoomCannotShrinkBelowASessionsPlaces) {
    const std::vector<RoomUse> uses{{1, "Opening", 40}, {2, "Panel", 55}};
    EXPECT_NO_THROW(check_room_capacity(55, uses));
    try {
        check_room_capacity(50, uses);
        FAIL();
    } catch (const Refusal& r) {
        EXPECT_EQ(r.code(), "room_smaller_than_session");
        EXPECT_NE(std::string(r.what()).find("Panel"), std::string::npos);
    }
}

TEST(OrganiserRules, EventCapacityCannotGoBelowTheConfirmed) {
    EXPECT_NO_THROW(check_capacity_not_below_confirmed(12, 12, "this event"));
    EXPECT_THROW(check_capacity_not_below_confirmed(11, 12, "this event"), Refusal);
}
