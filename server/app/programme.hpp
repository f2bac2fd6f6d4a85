// Use cases of the programme: sessions added, changed, moved and cancelled; an event's
// registration settings. Each runs inside one write command (Database::write, its own
// SAVEPOINT): it loads through the repositories, asks the domain's rules
// (domain/programme_edit.hpp) and writes through the repositories, and adds what it changed
// to `changes` as typed records (domain/changes.hpp) for the live feed.
//
// The console's routes and the command line (`congress session`, `congress event`) call the
// same functions, so both doors obey the same rules. Throws domain::Refusal,
// domain::InvalidField or domain::NotFound, and changes nothing then (the command's
// SAVEPOINT is rolled back).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/changes.hpp"
#include "domain/event.hpp"
#include "domain/time.hpp"
#include "storage/audit_log.hpp"
#include "storage/sqlite.hpp"

namespace congress::app {

using domain::Changes;
using storage::Connection;

// In the inputs below, an empty std::optional leaves a field as it is (an edit changes only
// what it names). A nested optional is a field that may be cleared: the outer one set to
// an empty inner one clears it.
struct SessionInput {
    std::optional<std::string> title;
    std::optional<std::string> description;
    std::optional<std::string> kind;  // plenary, parallel, workshop, ceremony, meeting, break
    std::optional<std::optional<domain::Id>> track_id;
    std::optional<std::optional<domain::Id>> room_id;
    // Wall-clock times in the event's zone; a time the clocks skip is refused.
    std::optional<domain::LocalTime> starts_at;
    std::optional<domain::LocalTime> ends_at;
    std::optional<int> capacity;  // on create, defaults to the room's capacity
    std::optional<std::vector<std::string>> speakers;  // names, in billing order
    std::string reason;  // shown to delegates with the change
};

// Adds a session ("added" in the schedule, which bumps the version); returns its id.
domain::Id create_session(Connection& conn, Changes& changes, domain::Id event_id, const SessionInput& input,
                          const storage::AuditContext& audit, domain::Instant now);

// Moves or changes a session of the event (NotFound session_not_found for another event's)
// after domain::check_session_plan: it ends after it starts, lies within the event, fits its
// room, keeps a place for every confirmed delegate, and its room is free then. A capacity
// increase promotes the waiting list. Returns the event's schedule version (unchanged when
// the input names nothing).
int update_session(Connection& conn, Changes& changes, domain::Id event_id, domain::Id session_id,
                   const SessionInput& input, const storage::AuditContext& audit, domain::Instant now);

// Refusal session_cancelled if it already is. Returns the new schedule version.
int cancel_session(Connection& conn, Changes& changes, domain::Id event_id, domain::Id session_id,
                   const std::string& reason, const storage::AuditContext& audit, domain::Instant now);

// What `congress session` asks: any of the changes, then the cancellation, of one session
// (of whatever event), by exactly the console's rules. Returns the schedule version. No
// audit entry (the schedule's log records the change; the activity feed shows it).
struct SessionChange {
    std::optional<domain::LocalTime> starts_at;
    std::optional<domain::LocalTime> ends_at;
    std::optional<domain::Id> room_id;
    std::optional<int> capacity;
    std::optional<std::string> title;
    bool cancel = false;
    std::string reason;
};
int change_session(Connection& conn, Changes& changes, domain::Id session_id, const SessionChange& change,
                   domain::Instant now);

// What `congress event` asks: the event's places (never below its confirmed delegates:
// Refusal capacity_below_confirmed, as in the console; an increase promotes the waiting
// list) and whether freed places go to the waiting list after registration closes.
struct EventSettings {
    std::optional<int> capacity;
    std::optional<bool> promote_after_close;
};
void change_event_settings(Connection& conn, Changes& changes, domain::Id event_id, const EventSettings& settings,
                           domain::Instant now);

}  // namespace congress::app
