#include <gtest/gtest.h>

#include <date/date.h>

#include "domain/demo_calendar.hpp"

using namespace congress::domain;
using namespace std::chrono;

namespace {

Instant utc(const char* text) { return parse_utc(text).value(); }

unsigned weekday_of(LocalTime t) { return date::weekday{floor<date::days>(t)}.c_encoding(); }

}  // namespace

TEST(DemoCalendarTest, ShiftsByWholeWeeksSoTheFirstEventIsAtLeastThreeWeeksAhead) {
    const auto first = utc("2014-02-03T08:00:00Z");
    const auto now = utc("2026-11-25T12:00:00Z");
    const int weeks = demo_shift_weeks(first, now);
    const Instant shifted = first + std::chrono::weeks{weeks};
    EXPECT_GE(shifted, now + days{21});
    EXPECT_LT(shifted, now + days{28});
}

TEST(DemoCalendarTest, NoShiftWhenTheCalendarIsAlreadyAhead) {
    EXPECT_EQ(demo_shift_weeks(utc("2030-01-01T00:00:00Z"), utc("2026-11-25T00:00:00Z")), 0);
}

TEST(DemoCalendarTest, ShiftKeepsWeekdayAndLocalTime) {
    const auto original = parse_local("2014-10-07T09:00").value();  // a Tuesday
    const auto shifted = shift_by_weeks(original, 672);
    EXPECT_EQ(weekday_of(shifted), weekday_of(original));
    EXPECT_EQ(shifted - floor<date::days>(shifted), hours{9});
}

TEST(DemoCalendarTest, ShiftAcrossDaylightSavingKeepsTheLocalStartTime) {
    // The colloquium starts 09:30 in Madrid in June (CEST); shifted by 30 weeks it lands
    // in January (CET) and must still start at 09:30 local time.
    const auto local = parse_local("2014-06-13T09:30").value();
    const auto shifted = to_instant(shift_by_weeks(local, 30), "Europe/Madrid");
    const auto shown = format_in_zone(shifted, "Europe/Madrid");
    EXPECT_EQ(shown.substr(11), "09:30:00+01:00");
    EXPECT_EQ(shown.substr(0, 10), "2015-01-09");
}
