// The check-in rules alone (domain/checkin.hpp), without a database: whom a desk admits,
// in which order the refusals come, and how an offline desk's admission merges with one
// recorded meanwhile.
#include <gtest/gtest.h>

#include "domain/checkin.hpp"

using namespace congress;
using namespace congress::domain;

namespace {

const Instant nine = parse_utc("2014-10-07T09:00:00Z").value();
const Instant five_past = parse_utc("2014-10-07T09:05:00Z").value();

CheckinCase confirmed_at_the_entrance() {
    CheckinCase c;
    c.holder = CheckinHolder{7, "Ana", RegistrationStatus::confirmed};
    c.scanned_at = five_past;
    return c;
}

}  // namespace

TEST(CheckinRules, AConfirmedDelegateIsAdmittedOnce) {
    auto c = confirmed_at_the_entrance();
    EXPECT_EQ(decide_checkin(c).decision, CheckinDecision::admit);
    EXPECT_TRUE(decide_checkin(c).admitted());
    c.earlier = EarlierCheckin{"Desk 1", nine};
    const auto again = decide_checkin(c);
    EXPECT_EQ(again.decision, CheckinDecision::already_checked_in);
    EXPECT_FALSE(again.admitted());
    EXPECT_EQ(again.code, "already_checked_in");
    EXPECT_EQ(again.message, "Ana was already checked in at Desk 1.");
}

TEST(CheckinRules, RefusalsComeInTheirOrder) {
    auto c = confirmed_at_the_entrance();
    c.session_door = true;
    c.cancelled_session_title = "Panel";
    c.holder.reset();
    EXPECT_EQ(decide_checkin(c).code, "session_cancelled");  // before anything about the badge
    c.cancelled_session_title.reset();
    EXPECT_EQ(decide_checkin(c).code, "not_registered");
    c.holder = CheckinHolder{7, "Ana", RegistrationStatus::cancelled};
    EXPECT_EQ(decide_checkin(c).code, "registration_cancelled");
    c.holder->status = RegistrationStatus::waitlisted;
    EXPECT_EQ(decide_checkin(c).code, "registration_waitlisted");
    EXPECT_EQ(decide_checkin(c).message, "Ana is on the waiting list, not confirmed.");
    c.holder->status = RegistrationStatus::confirmed;
    EXPECT_EQ(decide_checkin(c).code, "not_enrolled");  // no place in the session
    c.enrolled = true;
    EXPECT_EQ(decide_checkin(c).decision, CheckinDecision::admit);
    // A refusal wins over an earlier check-in: a waitlisted badge is not "already in".
    c.earlier = EarlierCheckin{"Desk 1", nine};
    c.holder->status = RegistrationStatus::waitlisted;
    EXPECT_EQ(decide_checkin(c).decision, CheckinDecision::refuse);
    // At the entrance, no session place is needed.
    c = confirmed_at_the_entrance();
    c.enrolled = false;
    EXPECT_EQ(decide_checkin(c).decision, CheckinDecision::admit);
}

TEST(CheckinRules, OfflineAdmissionsMergeByTimeTheEarlierOneWins) {
    auto c = confirmed_at_the_entrance();
    c.offline = true;
    c.earlier = EarlierCheckin{"Desk 1", five_past};
    c.scanned_at = nine;  // the offline desk let Ana in first
    EXPECT_EQ(decide_checkin(c).decision, CheckinDecision::take_over);
    EXPECT_TRUE(decide_checkin(c).admitted());
    c.scanned_at = five_past + std::chrono::minutes(1);  // ...or after the recorded one
    const auto later = decide_checkin(c);
    EXPECT_EQ(later.decision, CheckinDecision::duplicate);
    EXPECT_FALSE(later.admitted());
    EXPECT_EQ(later.code, "already_checked_in");
    c.scanned_at = five_past;  // the same instant: the recorded one stays
    EXPECT_EQ(decide_checkin(c).decision, CheckinDecision::duplicate);
    c.earlier.reset();  // nobody admitted meanwhile: an ordinary admission
    EXPECT_EQ(decide_checkin(c).decision, CheckinDecision::admit);
}
