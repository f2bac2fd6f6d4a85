#include "domain/programme_edit.hpp"

#include <algorithm>

#include <date/tz.h>

namespace congress::domain {

namespace {

std::string local_text(LocalTime local) {
    // "2014-03-30T02:30", as the organiser typed it.
    return format_utc(Instant{local.time_since_epoch()}).substr(0, 16);
}

}  // namespace

LocalTimeKind classify_local(LocalTime local, std::string_view zone) {
    if (!is_valid_timezone(zone)) throw TimeError("unknown time zone: " + std::string(zone));
    const auto info = date::locate_zone(zone)->get_info(local);
    switch (info.result) {
        case date::local_info::nonexistent: return LocalTimeKind::skipped;
        case date::local_info::ambiguous: return LocalTimeKind::ambiguous;
        default: return LocalTimeKind::unique;
    }
}

Instant organiser_instant(LocalTime local, std::string_view zone, const std::string& field) {
    if (classify_local(local, zone) == LocalTimeKind::skipped)
        throw InvalidField(field, local_text(local) + " does not exist in " + std::string(zone) +
                                      ": the clocks go forward at that time. Choose a time after the change.");
    return to_instant(local, zone);
}

void check_event_plan(const EventPlan& plan) {
    if (!is_valid_timezone(plan.timezone))
        throw InvalidField("timezone", "\"" + plan.timezone + "\" is not an IANA time zone (e.g. Europe/Madrid).");
    if (plan.ends_at <= plan.starts_at) throw InvalidField("ends_at", "The event must end after it starts.");
    if (plan.registration_opens_at && plan.registration_closes_at &&
        *plan.registration_closes_at <= *plan.registration_opens_at)
        throw InvalidField("registration_closes_at", "Registration must close after it opens.");
    if (plan.registration_opens_at && *plan.registration_opens_at >= plan.ends_at)
        throw InvalidField("registration_opens_at", "Registration must open before the event ends.");
    if (plan.capacity < 0 || plan.capacity > max_capacity)
        throw InvalidField("capacity", "The capacity must be between 0 and " + std::to_string(max_capacity) + ".");
    if (plan.dues_paid_years.size() > static_cast<std::size_t>(max_dues_years))
        throw InvalidField("eligibility", "At most " + std::to_string(max_dues_years) + " years of dues may be required.");
    for (const int year : plan.dues_paid_years)
        if (year < 1900 || year > 2200) throw InvalidField("eligibility", "Dues years must lie between 1900 and 2200.");
}

void check_capacity_not_below_confirmed(int capacity, int confirmed, std::string_view what) {
    if (capacity < confirmed)
        throw Refusal("capacity_below_confirmed",
                      std::to_string(confirmed) + " delegates are confirmed in " + std::string(what) +
                          ": the capacity cannot go below that. Cancel places first.");
}

std::optional<Booking> first_clash(const std::vector<Booking>& same_room, std::optional<Id> self, Instant starts_at,
                                   Instant ends_at) {
    std::optional<Booking> first;
    for (const auto& b : same_room) {
        if (self && b.session_id == *self) continue;
        if (!overlaps(b.starts_at, b.ends_at, starts_at, ends_at)) continue;
        if (!first || b.starts_at < first->starts_at) first = b;
    }
    return first;
}

void check_sessions_within(const std::vector<Booking>& sessions, Instant event_starts, Instant event_ends) {
    for (const auto& s : sessions)
        if (s.starts_at < event_starts || s.ends_at > event_ends)
            throw Refusal("sessions_outside_event", "\"" + s.title + "\" would lie outside the event's new dates. Move it first.");
}

void check_session_plan(const SessionPlan& plan, Instant event_starts, Instant event_ends, std::string_view timezone,
                        int confirmed, const std::vector<Booking>& same_room, std::optional<Id> self) {
    if (plan.ends_at <= plan.starts_at) throw InvalidField("ends_at", "A session must end after it starts.");
    if (plan.starts_at < event_starts || plan.ends_at > event_ends)
        throw InvalidField("starts_at", "The session must lie within its event's dates.");
    if (plan.capacity < 0 || plan.capacity > max_capacity)
        throw InvalidField("capacity", "The capacity must be between 0 and " + std::to_string(max_capacity) + ".");
    if (plan.room && plan.capacity > plan.room->capacity)
        throw Refusal("capacity_above_room", "The capacity " + std::to_string(plan.capacity) + " is above the " +
                                                 std::to_string(plan.room->capacity) + " places of " + plan.room->name + ".");
    check_capacity_not_below_confirmed(plan.capacity, confirmed, "this session");
    if (plan.room && plan.status == SessionStatus::scheduled) {
        if (const auto clash = first_clash(same_room, self, plan.starts_at, plan.ends_at))
            throw Refusal("room_double_booked",
                          plan.room->name + " is already booked at that time for \"" + clash->title + "\".",
                          SessionRef{clash->session_id, clash->title, clash->starts_at, clash->ends_at, std::string(timezone)});
    }
}

void check_session_title(std::string_view title) {
    std::size_t characters = 0;
    bool blank = true;
    for (const unsigned char c : title) {
        if (c < 0x20 || c == 0x7f) throw InvalidField("title", "The title may not contain control characters.");
        if ((c & 0xc0) != 0x80) ++characters;  // not a UTF-8 continuation byte
        if (c != ' ') blank = false;
    }
    if (blank) throw InvalidField("title", "The title may not be empty.");
    if (characters > 500) throw InvalidField("title", "The title may be at most 500 characters long.");
}

Slot moved_slot(Slot before, std::optional<Instant> starts_at, std::optional<Instant> ends_at) {
    Slot after = before;
    if (starts_at) after.starts_at = *starts_at;
    if (ends_at) after.ends_at = *ends_at;
    if (starts_at && !ends_at) after.ends_at = after.starts_at + (before.ends_at - before.starts_at);
    return after;
}

void check_room_capacity(int capacity, const std::vector<RoomUse>& uses) {
    if (capacity < 0 || capacity > max_capacity)
        throw InvalidField("capacity", "The capacity must be between 0 and " + std::to_string(max_capacity) + ".");
    const auto largest = std::max_element(uses.begin(), uses.end(),
                                          [](const RoomUse& a, const RoomUse& b) { return a.capacity < b.capacity; });
    if (largest != uses.end() && largest->capacity > capacity)
        throw Refusal("room_smaller_than_session", "\"" + largest->title + "\" offers " + std::to_string(largest->capacity) +
                                                       " places in this room: lower its capacity first.");
}

}  // namespace congress::domain
