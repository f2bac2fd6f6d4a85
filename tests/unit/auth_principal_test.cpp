#include <gtest/gtest.h>

#include "domain/staff.hpp"

using namespace congress::domain;

namespace {

constexpr Id hyderabad = 1, barcelona = 2;

Principal with(std::vector<RoleGrant> grants) { return Principal{7, "x@example.org", "X", std::move(grants)}; }

}  // namespace

// Who may do what, for two events. Admin manages accounts only: it is not implicitly an
// organiser or check-in staff (docs/staff.md says why).
TEST(PrincipalTest, PermissionMatrix) {
    struct Row {
        const char* who;
        Principal principal;
        bool admin, organise_hyd, organise_bcn, checkin_hyd, checkin_bcn, every_event;
    };
    const std::vector<Row> rows = {
        {"nobody (no grants)", with({}), false, false, false, false, false, false},
        {"admin", with({{Role::admin, std::nullopt}}), true, false, false, false, false, false},
        {"organiser of all events", with({{Role::organiser, std::nullopt}}), false, true, true, true, true, true},
        {"organiser of Hyderabad", with({{Role::organiser, hyderabad}}), false, true, false, true, false, false},
        {"checkin of Hyderabad", with({{Role::checkin, hyderabad}}), false, false, false, true, false, false},
        {"checkin of Hyderabad, organiser of Barcelona", with({{Role::checkin, hyderabad}, {Role::organiser, barcelona}}),
         false, false, true, true, true, false},
        {"admin and organiser of Barcelona", with({{Role::admin, std::nullopt}, {Role::organiser, barcelona}}), true,
         false, true, false, true, false},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.who);
        EXPECT_EQ(row.principal.is_admin(), row.admin);
        EXPECT_EQ(row.principal.can_organise(hyderabad), row.organise_hyd);
        EXPECT_EQ(row.principal.can_organise(barcelona), row.organise_bcn);
        EXPECT_EQ(row.principal.can_check_in(hyderabad), row.checkin_hyd);
        EXPECT_EQ(row.principal.can_check_in(barcelona), row.checkin_bcn);
        EXPECT_EQ(row.principal.organises_every_event(), row.every_event);
        // An event nobody was granted.
        EXPECT_EQ(row.principal.can_organise(99), row.every_event);
    }
}

TEST(PrincipalTest, ListsTheEventsAGrantNames) {
    const auto p = with({{Role::organiser, 5}, {Role::checkin, 3}, {Role::organiser, 5}, {Role::checkin, 5}});
    EXPECT_EQ(p.organised_events(), (std::vector<Id>{5}));
    EXPECT_EQ(p.check_in_events(), (std::vector<Id>{3, 5}));
}

TEST(PrincipalTest, ImpossibleGrantsAreNamed) {
    EXPECT_FALSE(grant_problem({Role::admin, std::nullopt}));
    EXPECT_TRUE(grant_problem({Role::admin, 3}));
    EXPECT_FALSE(grant_problem({Role::organiser, std::nullopt}));
    EXPECT_FALSE(grant_problem({Role::organiser, 3}));
    EXPECT_TRUE(grant_problem({Role::checkin, std::nullopt}));
    EXPECT_FALSE(grant_problem({Role::checkin, 3}));
    EXPECT_TRUE(grant_problem({Role::organiser, 0}));
    EXPECT_EQ(describe({Role::organiser, std::nullopt}), "organiser of all events");
    EXPECT_EQ(describe({Role::checkin, 3}), "checkin of event 3");
}

TEST(PrincipalTest, RolesRoundTripThroughText) {
    for (auto role : {Role::admin, Role::organiser, Role::checkin}) EXPECT_EQ(parse_role(to_string(role)), role);
    EXPECT_FALSE(parse_role("Admin"));
    EXPECT_FALSE(parse_role("delegate"));
}

TEST(PrincipalTest, StaffEmailsAndNamesAreTrimmedAndChecked) {
    EXPECT_EQ(normalise_staff_email("  Ana@Example.org "), "Ana@Example.org");
    EXPECT_FALSE(normalise_staff_email("ana"));
    EXPECT_FALSE(normalise_staff_email("@example.org"));
    EXPECT_FALSE(normalise_staff_email("ana@"));
    EXPECT_FALSE(normalise_staff_email("ana@b@c"));
    EXPECT_FALSE(normalise_staff_email("ana ruiz@example.org"));
    EXPECT_FALSE(normalise_staff_email("ana\x01@example.org"));
    EXPECT_EQ(normalise_display_name(" Ana Ruiz "), "Ana Ruiz");
    EXPECT_FALSE(normalise_display_name("   "));
    EXPECT_FALSE(normalise_display_name("Ana\nRuiz"));
    EXPECT_FALSE(normalise_display_name(std::string(201, 'a')));
}
