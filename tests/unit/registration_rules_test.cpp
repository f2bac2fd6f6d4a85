#include <gtest/gtest.h>

#include "domain/registration.hpp"

using namespace congress::domain;

namespace {

Instant utc(const char* text) { return parse_utc(text).value(); }

Event colloquium() {
    Event e;
    e.timezone = "Europe/Madrid";
    e.starts_at = utc("2014-06-13T07:30:00Z");
    e.ends_at = utc("2014-06-13T12:30:00Z");
    e.registration_opens_at = utc("2014-05-04T22:00:00Z");
    e.registration_closes_at = utc("2014-06-12T22:00:00Z");  // end of 12 June in Madrid
    e.capacity = 60;
    return e;
}

std::string refusal_code(const std::function<void()>& f) {
    try {
        f();
    } catch (const Refusal& r) {
        return r.code();
    }
    return "accepted";
}

}  // namespace

TEST(RegistrationRulesTest, SeatsGoFirstComeFirstServedThenToTheWaitingList) {
    EXPECT_EQ(decide_seat(2, 0, 0, true), SeatDecision::confirm);
    EXPECT_EQ(decide_seat(2, 1, 0, true), SeatDecision::confirm);
    EXPECT_EQ(decide_seat(2, 2, 0, true), SeatDecision::waitlist);
    EXPECT_EQ(decide_seat(2, 2, 0, false), SeatDecision::full);
}

TEST(RegistrationRulesTest, NobodyJumpsTheQueueWhenASeatIsFreeButPeopleAreWaiting) {
    EXPECT_EQ(decide_seat(2, 1, 3, true), SeatDecision::waitlist);
}

TEST(RegistrationRulesTest, UntilTwelveJuneMeansUntilTheEndOfTwelveJuneInBarcelona) {
    const auto event = colloquium();
    EXPECT_EQ(registration_window(event, utc("2014-06-12T21:59:59Z")), WindowState::open);  // 23:59:59 CEST
    EXPECT_EQ(registration_window(event, utc("2014-06-12T22:00:00Z")), WindowState::closed);
    EXPECT_EQ(registration_window(event, utc("2014-05-04T21:59:59Z")), WindowState::not_open);
    EXPECT_EQ(refusal_code([&] { require_open_window(event, utc("2014-06-12T22:00:00Z")); }), "registration_closed");
    EXPECT_EQ(refusal_code([&] { require_open_window(event, utc("2014-05-01T00:00:00Z")); }), "registration_not_open");
}

TEST(RegistrationRulesTest, AnEventThatHasEndedIsClosedEvenWithoutADeadline) {
    auto event = colloquium();
    event.registration_closes_at.reset();
    EXPECT_EQ(registration_window(event, utc("2014-06-13T12:30:00Z")), WindowState::closed);
}

TEST(RegistrationRulesTest, GeneralAssemblyNeedsDuesPaidForEveryListedYear) {
    const Eligibility rule{{2013, 2014}};
    EXPECT_EQ(refusal_code([&] { require_eligible(rule, std::nullopt); }), "not_eligible");
    EXPECT_EQ(refusal_code([&] { require_eligible(rule, MemberStanding{"Caracas", true, {2013}}); }), "not_eligible");
    EXPECT_EQ(refusal_code([&] { require_eligible(rule, MemberStanding{"UN-Habitat", false, {2013, 2014}}); }),
              "not_eligible");
    EXPECT_EQ(refusal_code([&] { require_eligible(rule, MemberStanding{"Barcelona", true, {2012, 2013, 2014}}); }),
              "accepted");
    EXPECT_EQ(refusal_code([&] { require_eligible(Eligibility{}, std::nullopt); }), "accepted");
}

TEST(RegistrationRulesTest, TheRefusalSaysWhichYearIsMissing) {
    try {
        require_eligible(Eligibility{{2013, 2014}}, MemberStanding{"Santiago", true, {2014}});
        FAIL();
    } catch (const Refusal& r) {
        EXPECT_NE(std::string(r.what()).find("2013"), std::string::npos);
        EXPECT_NE(std::string(r.what()).find("Santiago"), std::string::npos);
    }
}

TEST(RegistrationRulesTest, NoPromotionAfterCloseOrStartUnlessAllowed) {
    const auto event = colloquium();
    EXPECT_TRUE(may_promote(event, utc("2014-06-01T00:00:00Z"), false));
    EXPECT_FALSE(may_promote(event, utc("2014-06-12T22:00:00Z"), false));
    EXPECT_TRUE(may_promote(event, utc("2014-06-12T22:00:00Z"), true));
    EXPECT_FALSE(may_promote(event, utc("2014-06-13T12:30:00Z"), true));  // over
}

TEST(RegistrationRulesTest, SessionsThatOnlyTouchDoNotOverlap) {
    const auto nine = utc("2014-06-13T07:00:00Z"), ten = utc("2014-06-13T08:00:00Z"), eleven = utc("2014-06-13T09:00:00Z");
    EXPECT_FALSE(overlaps(nine, ten, ten, eleven));
    EXPECT_TRUE(overlaps(nine, eleven, ten, eleven));
    EXPECT_TRUE(overlaps(nine, ten, nine, ten));
}
