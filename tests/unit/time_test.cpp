#include <gtest/gtest.h>

#include "domain/time.hpp"

using namespace congress::domain;
using namespace std::chrono;

namespace {

Instant utc(const char* text) { return parse_utc(text).value(); }
LocalTime local(const char* text) { return parse_local(text).value(); }

}  // namespace

TEST(TimeTest, UtcStorageFormRoundTrips) {
    const auto t = utc("2014-10-07T03:30:00Z");
    EXPECT_EQ(format_utc(t), "2014-10-07T03:30:00Z");
    EXPECT_FALSE(parse_utc("2014-10-07T03:30:00"));
    EXPECT_FALSE(parse_utc("2014-13-07T03:30:00Z"));
    EXPECT_FALSE(parse_utc("2014-02-30T03:30:00Z"));
    EXPECT_FALSE(parse_utc("garbage"));
}

TEST(TimeTest, HyderabadIsShownWithItsHalfHourOffset) {
    EXPECT_EQ(format_in_zone(utc("2014-10-07T03:30:00Z"), "Asia/Kolkata"), "2014-10-07T09:00:00+05:30");
}

TEST(TimeTest, SeoulAndBarcelonaInSummer) {
    EXPECT_EQ(format_in_zone(utc("2014-05-27T00:00:00Z"), "Asia/Seoul"), "2014-05-27T09:00:00+09:00");
    EXPECT_EQ(format_in_zone(utc("2014-06-13T07:30:00Z"), "Europe/Madrid"), "2014-06-13T09:30:00+02:00");
}

TEST(TimeTest, MadridOffsetChangesAcrossTheSpringDaylightSavingSwitch) {
    // 30 March 2014: clocks in Madrid went from 02:00 CET to 03:00 CEST.
    EXPECT_EQ(format_in_zone(utc("2014-03-30T00:59:59Z"), "Europe/Madrid"), "2014-03-30T01:59:59+01:00");
    EXPECT_EQ(format_in_zone(utc("2014-03-30T01:00:00Z"), "Europe/Madrid"), "2014-03-30T03:00:00+02:00");
}

TEST(TimeTest, LocalTimesConvertToTheRightInstantOnEitherSideOfAChange) {
    EXPECT_EQ(format_utc(to_instant(local("2014-03-29T09:30"), "Europe/Madrid")), "2014-03-29T08:30:00Z");
    EXPECT_EQ(format_utc(to_instant(local("2014-03-31T09:30"), "Europe/Madrid")), "2014-03-31T07:30:00Z");
}

TEST(TimeTest, AWallClockTimeInTheSpringGapMovesForward) {
    // 02:30 does not exist on that night; it becomes 03:30 CEST.
    const auto instant = to_instant(local("2014-03-30T02:30"), "Europe/Madrid");
    EXPECT_EQ(format_in_zone(instant, "Europe/Madrid"), "2014-03-30T03:30:00+02:00");
}

TEST(TimeTest, AnAmbiguousAutumnTimeTakesTheEarlierInstant) {
    // 26 October 2014: 02:30 happened twice in Madrid; the first was CEST.
    const auto instant = to_instant(local("2014-10-26T02:30"), "Europe/Madrid");
    EXPECT_EQ(format_utc(instant), "2014-10-26T00:30:00Z");
}

TEST(TimeTest, LocalParsingAcceptsDatesAndDateTimes) {
    EXPECT_TRUE(parse_local("2014-06-12"));
    EXPECT_TRUE(is_date_only("2014-06-12"));
    EXPECT_TRUE(parse_local("2014-06-12T09:30"));
    EXPECT_TRUE(parse_local("2014-06-12T09:30:15"));
    EXPECT_FALSE(parse_local("2014-06-12T25:00"));
    EXPECT_FALSE(parse_local("12/06/2014"));
    EXPECT_FALSE(parse_local("2014-06-12T09:30Z"));
}

TEST(TimeTest, UnknownZonesAreRefused) {
    EXPECT_TRUE(is_valid_timezone("Asia/Kolkata"));
    EXPECT_FALSE(is_valid_timezone("Mars/Olympus_Mons"));
    EXPECT_FALSE(is_valid_timezone(""));
    EXPECT_THROW(format_in_zone(utc("2014-10-07T03:30:00Z"), "Mars/Olympus_Mons"), TimeError);
}
