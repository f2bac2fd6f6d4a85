// What a committed write changed, as typed records. Every use case in app/ adds to one
// Changes value as it writes; the writer merges the values of the commands that commit
// together (a command that is rolled back adds nothing) and hands the result, after the
// COMMIT, to whoever listens: the live feed (pushes to open pages), the response cache.
// The later consumers (mail outbox, calendar SEQUENCE, a second storage engine) read the
// same records, so they are a stable interface: add kinds and fields, do not change them.
//
// Plain data: no SQLite, JSON, Beast or Asio. Times are instants; the event's zone is
// carried for whoever shows them.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.hpp"
#include "domain/time.hpp"

namespace congress::domain {

// A session as the schedule shows it, before or after a change.
struct SessionState {
    Id id = 0;
    Id event_id = 0;
    std::string title;
    std::string timezone;  // the event's
    Instant starts_at{};
    Instant ends_at{};
    std::optional<Room> room;  // id, name and capacity
    int capacity = 0;
    SessionStatus status = SessionStatus::scheduled;
};

enum class ScheduleChangeKind { added, changed, moved, cancelled };
std::string_view to_string(ScheduleChangeKind kind);
std::optional<ScheduleChangeKind> parse_schedule_change_kind(std::string_view text);

// How a change to a session reads in the schedule: cancelled when it is newly cancelled,
// moved when its time or room changed, changed otherwise.
ScheduleChangeKind classify_session_change(const SessionState& before, const SessionState& after);

// The programme changed: one session added, moved, changed or cancelled. `version` is the
// event's schedule version after the change; `record_id` is the change's row in the
// schedule's log, which orders every change, whichever process made it.
struct ScheduleChanged {
    Id record_id = 0;
    Id event_id = 0;
    int version = 0;
    ScheduleChangeKind kind = ScheduleChangeKind::changed;
    std::string reason;                  // the organiser's, shown to delegates
    std::optional<SessionState> before;  // none when added
    SessionState after;
};

struct Changes {
    // Seat counts may have moved, or the programme changed, in these events (the event's own
    // count or one of its sessions').
    std::set<Id> events;
    // Check-ins moved in these events.
    std::set<Id> checkins;
    // Room-nights moved in these hotel room blocks.
    std::set<Id> room_blocks;
    // Schedule changes, in the order they were made.
    std::vector<ScheduleChanged> schedule;

    void merge(const Changes& other) {
        events.insert(other.events.begin(), other.events.end());
        checkins.insert(other.checkins.begin(), other.checkins.end());
        room_blocks.insert(other.room_blocks.begin(), other.room_blocks.end());
        schedule.insert(schedule.end(), other.schedule.begin(), other.schedule.end());
    }
    bool empty() const { return events.empty() && checkins.empty() && room_blocks.empty() && schedule.empty(); }
};

}  // namespace congress::domain
