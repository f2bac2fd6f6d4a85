#include <gtest/gtest.h>

#include <string>

#include "domain/venue.hpp"

using namespace congress::domain;

TEST(VenueTest, AMapLinkIsAnAbsoluteHttpOrHttpsAddressWithAHost) {
    EXPECT_TRUE(is_web_address("https://www.openstreetmap.org/?mlat=17.47&mlon=78.37#map=16/17.47/78.37"));
    EXPECT_TRUE(is_web_address("http://maps.example.org"));
    EXPECT_TRUE(is_web_address("https://maps.example.org:8443/x"));
    EXPECT_FALSE(is_web_address("javascript:alert(1)"));
    EXPECT_FALSE(is_web_address("//maps.example.org"));
    EXPECT_FALSE(is_web_address("/events/1"));
    EXPECT_FALSE(is_web_address("ftp://maps.example.org"));
    EXPECT_FALSE(is_web_address("https://"));
    EXPECT_FALSE(is_web_address("https:///path"));
    EXPECT_FALSE(is_web_address("https://maps example.org"));
    EXPECT_FALSE(is_web_address("https://user@evil.example"));
    EXPECT_FALSE(is_web_address("https://a.example/\"><script>"));
    EXPECT_FALSE(is_web_address("HTTPS://MAPS.EXAMPLE.ORG"));  // scheme in lower case, as links are written
    EXPECT_FALSE(is_web_address("https://a.example/" + std::string(max_map_url, 'x')));
}

TEST(VenueTest, OnlyTheAssociationsLanguagesHoldNotes) {
    EXPECT_TRUE(is_venue_language("en"));
    EXPECT_TRUE(is_venue_language("fr"));
    EXPECT_TRUE(is_venue_language("es"));
    EXPECT_FALSE(is_venue_language("de"));
    EXPECT_FALSE(is_venue_language("EN"));
    EXPECT_FALSE(is_venue_language(""));
}

TEST(VenueTest, NotesAreReachedByTheirApiNames) {
    VenueNotes notes;
    EXPECT_TRUE(notes.empty());
    for (const auto name : venue_note_fields) ASSERT_NE(notes.field(name), nullptr) << name;
    *notes.field("wifi") = "HICC-Congress";
    EXPECT_EQ(notes.wifi, "HICC-Congress");
    EXPECT_FALSE(notes.empty());
    EXPECT_EQ(notes.field("parking"), nullptr);
}
