// Changing the programme, and reading what the live channel needs: seat counts and the
// record of schedule changes. Every change to a session bumps its event's schedule_version
// and is recorded in schedule_changes, which the server watches and pushes live.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/event.hpp"
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

// A session as the live channel shows it after a change (times in the event's zone).
struct SessionSnapshot {
    domain::Id id = 0;
    domain::Id event_id = 0;
    std::string title;
    std::string timezone;
    domain::Instant starts_at{};
    domain::Instant ends_at{};
    std::optional<domain::Room> room;
    int capacity = 0;
    domain::SessionStatus status = domain::SessionStatus::scheduled;
};
std::optional<SessionSnapshot> load_session_snapshot(Connection& conn, domain::Id session_id);

// Changes to one session, as an organiser asks for them. Times are wall-clock times in the
// event's time zone.
struct SessionChangeRequest {
    std::optional<domain::LocalTime> starts_at;
    std::optional<domain::LocalTime> ends_at;
    std::optional<domain::Id> room_id;
    std::optional<int> capacity;
    std::optional<std::string> title;
    bool cancel = false;
    std::string reason;
};

// Applies the change after checking it: the session ends after it starts and stays within
// its event, its room is not double-booked at that time, its capacity fits the room. A
// capacity increase promotes the waiting list. Throws domain::Refusal, domain::NotFound or
// domain::InvalidField. Returns the event's new schedule version.
int change_session(Connection& conn, ChangeSet& changes, domain::Id session_id, const SessionChangeRequest& request,
                   domain::Instant now);

// PRAGMA data_version: changes when another connection commits.
std::int64_t data_version(Connection& conn);

}  // namespace congress::storage
