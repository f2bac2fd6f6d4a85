// Official hotels and room blocks as the domain sees them: nights, the nights an event
// offers, and how many rooms of a block are left. Plain functions; no I/O.
//
// A night is a date in the event's zone: the night that starts that evening ("2014-10-07"
// is the night from the 7th to the 8th).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.hpp"
#include "domain/time.hpp"

namespace congress::domain {

using Night = date::local_days;

// "2014-10-07" exactly, a real date; nullopt otherwise.
std::optional<Night> parse_night(std::string_view text);
std::string format_night(Night night);

// The nights a delegate may stay for an event: from the night before its first day (to
// arrive) to the night of its last day (to leave the next morning), in the event's zone.
struct NightSpan {
    Night first;
    Night last;
    bool contains(Night night) const { return first <= night && night <= last; }
};
NightSpan event_nights(const Event& event);

// True when every night follows the one before it by one day.
bool contiguous(const std::vector<Night>& nights);

// Rooms of a block still to be had: none once the block is released (unallotted rooms go
// back to the hotel), else what is held and not allotted.
int rooms_remaining(int held, int allotted, const std::optional<Instant>& release_at, Instant now);
bool is_released(const std::optional<Instant>& release_at, Instant now);

enum class AccommodationStatus { allotted, waitlisted, cancelled };
std::string_view to_string(AccommodationStatus status);
std::optional<AccommodationStatus> parse_accommodation_status(std::string_view text);

}  // namespace congress::domain
