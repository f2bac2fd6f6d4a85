// What a delegate needs to find a venue and its rooms: a map link, and per language of
// the association notes on access, accessibility and practical matters (transport, Wi-Fi,
// catering); per room the floor and the equipment. Plain data and the rules for what an
// organiser may enter; no I/O.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace congress::domain {

// The association's languages, in the order the API lists them.
inline constexpr std::array<std::string_view, 3> venue_languages = {"en", "fr", "es"};
bool is_venue_language(std::string_view lang);

// One language's notes. Empty text means "nothing to say" (the page falls back to English).
struct VenueNotes {
    std::string access;
    std::string accessibility;
    std::string transport;
    std::string wifi;
    std::string catering;

    bool empty() const;
    // The field by its API name ("access", …, "catering"); nullptr for another name.
    std::string* field(std::string_view name);
    const std::string* field(std::string_view name) const;
};
inline constexpr std::array<std::string_view, 5> venue_note_fields = {"access", "accessibility", "transport", "wifi",
                                                                     "catering"};

// Limits of what an organiser may enter (code points).
inline constexpr std::size_t max_venue_note = 2000;
inline constexpr std::size_t max_map_url = 2000;
inline constexpr std::size_t max_room_floor = 40;
inline constexpr std::size_t max_equipment_items = 20;
inline constexpr std::size_t max_equipment_item = 60;

// An absolute http:// or https:// address with a host, no spaces and no control
// characters, at most max_map_url bytes: what a map link may be (never javascript: or
// a relative path that would open inside the site).
bool is_web_address(std::string_view text);

// Venue details keyed by language ("en", "fr", "es"); languages without notes are absent.
using VenueNotesByLanguage = std::map<std::string, VenueNotes, std::less<>>;

}  // namespace congress::domain
