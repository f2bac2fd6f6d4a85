// The rules an organiser's changes to the programme must follow: event dates and
// registration windows, wall-clock times in the event's zone (daylight saving), rooms that
// cannot be double-booked, capacities that fit their room and the delegates already
// confirmed. Plain functions of their inputs; the storage layer gathers what they need
// inside the writer's transaction and applies them there.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.hpp"
#include "domain/registration.hpp"
#include "domain/time.hpp"

namespace congress::domain {

// Limits of what an organiser may enter.
inline constexpr int max_capacity = 1'000'000;
inline constexpr int max_dues_years = 10;

// How a wall-clock time reads in a zone: once, never (skipped by a daylight-saving jump
// forward) or twice (repeated when the clocks go back).
enum class LocalTimeKind { unique, skipped, ambiguous };
LocalTimeKind classify_local(LocalTime local, std::string_view zone);

// A wall-clock time an organiser entered, as an instant. A time the clocks skip (02:30 on
// the spring-forward night in Madrid) is refused: it is almost always a typing mistake,
// and silently moving it would surprise. A repeated time means the first of the two
// (summer time), as domain::to_instant does. Throws InvalidField naming `field`.
Instant organiser_instant(LocalTime local, std::string_view zone, const std::string& field);

// An event as it would be after a create or an edit.
struct EventPlan {
    std::string timezone;
    Instant starts_at{};
    Instant ends_at{};
    std::optional<Instant> registration_opens_at;
    std::optional<Instant> registration_closes_at;
    int capacity = 0;
    std::vector<int> dues_paid_years;
};
// Throws InvalidField (timezone, ends_at, registration_closes_at, capacity, eligibility).
void check_event_plan(const EventPlan& plan);

// Throws Refusal("capacity_below_confirmed") when fewer places than confirmed delegates are
// asked for: nobody loses a confirmed place because a number was lowered.
void check_capacity_not_below_confirmed(int capacity, int confirmed, std::string_view what);

// A scheduled session in a room, or a session that must fit an event's dates.
struct Booking {
    Id session_id = 0;
    std::string title;
    Instant starts_at{};
    Instant ends_at{};
};
// The first booking other than `self` whose time overlaps [starts_at, ends_at) (touching
// ends do not overlap: a session may start when the previous one ends).
std::optional<Booking> first_clash(const std::vector<Booking>& same_room, std::optional<Id> self, Instant starts_at,
                                   Instant ends_at);

// The event's new dates must still contain every scheduled session: throws
// Refusal("sessions_outside_event") naming the first that would not fit.
void check_sessions_within(const std::vector<Booking>& sessions, Instant event_starts, Instant event_ends);

// A session as it would be after a create or an edit.
struct SessionPlan {
    Instant starts_at{};
    Instant ends_at{};
    int capacity = 0;
    std::optional<Room> room;
    SessionStatus status = SessionStatus::scheduled;
};
// Checks, in this order: ends after it starts (InvalidField ends_at), lies within the
// event (InvalidField starts_at), capacity in range (InvalidField capacity), capacity not
// above the room's (Refusal capacity_above_room), not below the confirmed enrolments
// (Refusal capacity_below_confirmed), and the room free at that time (Refusal
// room_double_booked naming the other session). `same_room` holds the room's other
// scheduled sessions that might clash.
void check_session_plan(const SessionPlan& plan, Instant event_starts, Instant event_ends, std::string_view timezone,
                        int confirmed, const std::vector<Booking>& same_room, std::optional<Id> self);

// A session's title: not blank, at most 500 characters, no control characters. The API
// checks the same at its edge with its own messages; this is the rule for every other door.
// Throws InvalidField("title").
void check_session_title(std::string_view title);

// Where a session lands when an organiser moves it: a new start alone keeps its length.
struct Slot {
    Instant starts_at{};
    Instant ends_at{};
};
Slot moved_slot(Slot before, std::optional<Instant> starts_at, std::optional<Instant> ends_at);

// A session that uses a room, for checks on the room's capacity.
struct RoomUse {
    Id session_id = 0;
    std::string title;
    int capacity = 0;
};
// A room cannot shrink below a scheduled session's places: throws
// Refusal("room_smaller_than_session") naming the largest.
void check_room_capacity(int capacity, const std::vector<RoomUse>& uses);

}  // namespace congress::domain
