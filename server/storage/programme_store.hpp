// The programme's repository: seat counts, sessions and the record of schedule changes.
// SQL and row mapping only; the rules are in domain/programme_edit.hpp and the use cases
// that apply them in app/programme.hpp. Every change to a session bumps its event's
// schedule_version and is recorded in schedule_changes, which the live feed pushes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "domain/changes.hpp"
#include "domain/event.hpp"
#include "domain/programme_edit.hpp"
#include "storage/database.hpp"
#include "storage/sqlite.hpp"

namespace congress::storage {

struct SeatCount {
    domain::Id event = 0;
    std::optional<domain::Id> session;  // nullopt: the event's own count
    int capacity = 0;
    int confirmed = 0;
    int waitlisted = 0;

    int seats_left() const { return confirmed >= capacity ? 0 : capacity - confirmed; }
    bool operator==(const SeatCount&) const = default;
};

// The event's own count first, then each of its sessions.
std::vector<SeatCount> event_seat_counts(Connection& conn, domain::Id event_id);
// Every event's and session's count (the live feed's baseline at start-up).
std::vector<SeatCount> all_seat_counts(Connection& conn);
std::optional<SeatCount> session_seat_count(Connection& conn, domain::Id session_id);
std::optional<int> schedule_version(Connection& conn, domain::Id event_id);

struct ScheduleChange {
    domain::Id id = 0;
    domain::Id event_id = 0;
    int version = 0;
    std::optional<domain::Id> session_id;
    std::string change_json;  // {"change":"moved", "reason":..., "before":{...}, "after":{...}}
};
std::vector<ScheduleChange> schedule_changes_after(Connection& conn, domain::Id last_id);
domain::Id last_schedule_change_id(Connection& conn);

// A session as the schedule shows it (times in the event's zone when shown).
using SessionSnapshot = domain::SessionState;
std::optional<SessionSnapshot> load_session_snapshot(Connection& conn, domain::Id session_id);

// --- the programme's repository: sessions, their rooms, speakers and the schedule log ----

// The room, if the event may use it: its venue's rooms, and any room one of its sessions uses.
std::optional<domain::Room> room_of_event(Connection& conn, domain::Id event_id, domain::Id room_id);
// The room's scheduled sessions whose time overlaps [starts_at, ends_at).
std::vector<domain::Booking> room_bookings(Connection& conn, domain::Id room_id, domain::Instant starts_at,
                                           domain::Instant ends_at);
bool track_in_event(Connection& conn, domain::Id event_id, domain::Id track_id);
bool session_in_event(Connection& conn, domain::Id event_id, domain::Id session_id);
int confirmed_in_session(Connection& conn, domain::Id session_id);

// What a session has beside its place in the schedule.
struct SessionExtras {
    std::string description;
    std::string kind;  // plenary, parallel, workshop, ceremony, meeting, break
    std::optional<domain::Id> track_id;
};
SessionExtras load_session_extras(Connection& conn, domain::Id session_id);
void save_session_extras(Connection& conn, domain::Id session_id, const SessionExtras& extras);
std::vector<std::string> session_speakers(Connection& conn, domain::Id session_id);
// Names in billing order; a name seen before is the same person; a name given twice counts once.
void replace_speakers(Connection& conn, domain::Id session_id, const std::vector<std::string>& names);

// A new session row (its event, times, room, capacity, title from `state`); returns its id.
domain::Id insert_session(Connection& conn, const domain::SessionState& state, const SessionExtras& extras);
// Writes title, times, room, capacity and status.
void save_session(Connection& conn, const domain::SessionState& state);
// Moves the event's schedule version on by one and returns the new one.
int bump_schedule_version(Connection& conn, domain::Id event_id);
// Appends the change to the schedule's log (what `schedule_changes_after` and the activity
// feed read) and returns its record id.
domain::Id record_schedule_change(Connection& conn, const domain::ScheduleChanged& change, domain::Instant now);

// A session as the audit log records it.
nlohmann::json session_audit_state(Connection& conn, domain::Id session_id);

// PRAGMA data_version: changes when another connection commits.
std::int64_t data_version(Connection& conn);

}  // namespace congress::storage
