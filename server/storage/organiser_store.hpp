// What the organiser console reads and writes: events, tracks, rooms and sessions created
// and edited; registrations and session enrolments listed, searched, filtered, exported;
// registrations promoted, moved or cancelled by hand; the event's activity.
//
// Every write runs inside the single writer's command (Database::write), checks the rules
// of domain/programme_edit.hpp, marks the ChangeSet (so the response cache is dropped and
// the live feed publishes the counts that moved) and appends its audit entry on the same
// connection, so that the change and its record commit together or not at all. Sessions
// are created, moved and cancelled by app/programme.hpp.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/event.hpp"
#include "domain/registration.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/programme_store.hpp"
#include "storage/sqlite.hpp"

namespace congress::storage {

// In the inputs below, an empty std::optional leaves a field as it is (an edit changes only
// what it names). A nested optional is a field that may be cleared: the outer one set to
// an empty inner one clears it.

struct VenueInput {
    std::string name;
    std::optional<std::string> address;
    std::optional<std::string> city;
    std::optional<std::string> country;
};

struct EventInput {
    std::optional<std::string> slug;
    std::optional<std::string> title;
    std::optional<std::string> description;
    std::optional<domain::EventKind> kind;
    std::optional<std::string> timezone;
    // Wall-clock times in the event's zone (the new zone when the edit changes it).
    std::optional<domain::LocalTime> starts_at;
    std::optional<domain::LocalTime> ends_at;
    std::optional<std::optional<domain::LocalTime>> registration_opens_at;
    std::optional<std::optional<domain::LocalTime>> registration_closes_at;
    std::optional<int> capacity;
    std::optional<bool> waitlist_enabled;
    std::optional<bool> promote_after_close;
    std::optional<std::vector<int>> dues_paid_years;  // empty: everyone may register
    std::optional<std::optional<domain::Id>> venue_id;
    std::optional<VenueInput> new_venue;  // creates a venue in the event's zone and uses it
};

// Creates an event (slug, title, kind, timezone, starts_at, ends_at and capacity are
// required). Throws domain::Refusal (slug_taken), domain::InvalidField, domain::NotFound.
domain::Id create_event(Connection& conn, ChangeSet& changes, const EventInput& input, const AuditContext& audit,
                        domain::Instant now);
// Changes what `input` names. The time zone may change only while the event has no
// sessions (Refusal timezone_locked): sessions were entered as wall-clock times of the
// old zone. Times not named keep their wall-clock reading in the new zone. A capacity
// increase promotes the waiting list.
void update_event(Connection& conn, ChangeSet& changes, domain::Id event_id, const EventInput& input,
                  const AuditContext& audit, domain::Instant now);

struct TrackInput {
    std::optional<std::string> name;
    std::optional<std::string> description;
    std::optional<int> position;
};
domain::Id create_track(Connection& conn, ChangeSet& changes, domain::Id event_id, const TrackInput& input,
                        const AuditContext& audit, domain::Instant now);
// Throws domain::NotFound("track_not_found") unless the track is one of the event's.
void update_track(Connection& conn, ChangeSet& changes, domain::Id event_id, domain::Id track_id,
                  const TrackInput& input, const AuditContext& audit, domain::Instant now);

struct RoomInput {
    std::optional<std::string> name;
    std::optional<int> capacity;
    std::optional<std::string> floor;                   // "" clears it
    std::optional<std::vector<std::string>> equipment;  // checked at the edge (short strings)
};
// Adds a room to the event's venue (Refusal event_has_no_venue without one).
domain::Id create_room(Connection& conn, ChangeSet& changes, domain::Id event_id, const RoomInput& input,
                       const AuditContext& audit, domain::Instant now);
// A room belongs to an event when it is in the event's venue or one of its sessions uses
// it (domain::NotFound room_not_found otherwise). Venues are shared by events, so a room
// that sessions of another event use may be changed only by someone who may organise that
// event too (`may_organise`; Refusal room_shared otherwise). It cannot shrink below a
// session's places (Refusal room_smaller_than_session).
void update_room(Connection& conn, ChangeSet& changes, domain::Id event_id, domain::Id room_id, const RoomInput& input,
                 const std::function<bool(domain::Id)>& may_organise, const AuditContext& audit, domain::Instant now);

// ---- registrations ------------------------------------------------------------------

struct RegistrationQuery {
    std::string search;  // in name, email and organisation (ASCII letters ignore case)
    std::optional<domain::RegistrationStatus> status;
    std::optional<std::string> organisation;  // exactly, as shown (the member organisation's name, else as typed)
    std::optional<bool> member;               // represents a member organisation
    std::optional<domain::Id> session_id;     // the session's enrolments instead of the event's registrations
    enum class Order { created, name } order = Order::created;
    int page = 1;          // 1-based; ignored with `after`
    int per_page = 50;     // rows per page (the API allows 1..max_registration_page); 0: every row
    // Keyset paging (the event's list only): the rows that follow this registration in the
    // list's order. Throws InvalidField "after" unless it is one of the event's.
    std::optional<domain::Id> after;
    // False: rows only (total, counts and organisations left empty), for exports in pieces.
    bool with_totals = true;
};
inline constexpr int max_registration_page = 200;

struct RegistrationRow {
    domain::Id id = 0;
    std::string name;
    std::string email;
    std::optional<std::string> organisation;  // as typed by the delegate
    std::optional<domain::Id> member_organisation_id;
    std::optional<std::string> member_organisation;  // its name
    bool member = false;
    std::optional<std::string> language;
    // The event registration's status, or the enrolment's for a session's list.
    domain::RegistrationStatus status = domain::RegistrationStatus::confirmed;
    std::optional<int> waitlist_position;
    domain::Instant created_at{};  // registered (or enrolled, for a session's list)
    domain::Instant updated_at{};
    int sessions = 0;  // active session enrolments (event list only)
    domain::RegistrationStatus registration_status = domain::RegistrationStatus::confirmed;
};

struct RegistrationPage {
    std::vector<RegistrationRow> rows;
    int total = 0;  // rows matching the query, all pages
    int confirmed = 0, waitlisted = 0, cancelled = 0;  // of the event (or session), unfiltered
    std::vector<std::string> organisations;            // every organisation shown, for the filter
    // A full page that may have more after it: the `after` that gives the next page.
    std::optional<domain::Id> next_after;
};

// Throws domain::NotFound (event_not_found, session_not_found for another event's session).
RegistrationPage list_registrations(Connection& conn, domain::Id event_id, const RegistrationQuery& query);

// One row per enrolment of the event's sessions (or one session's), for the CSV export.
struct EnrolmentRow {
    RegistrationRow registration;  // status: the event registration's
    domain::Id session_id = 0;
    std::string session_title;
    domain::Instant session_starts_at{};
    std::optional<std::string> room;
    domain::RegistrationStatus status = domain::RegistrationStatus::confirmed;  // the enrolment's
    std::optional<int> waitlist_position;
    domain::Instant enrolled_at{};
};
// Filters as list_registrations (status applies to the enrolment); active enrolments
// unless a status is asked for.
std::vector<EnrolmentRow> list_enrolments(Connection& conn, domain::Id event_id, const RegistrationQuery& query);
// How many rows list_enrolments() gives for these filters: from the kept seat counters
// when only the status is asked for (not cancelled), else counted.
long long count_enrolments(Connection& conn, domain::Id event_id, const RegistrationQuery& query);
// The event's sessions in the order the enrolments export lists them (start, then id).
std::vector<domain::Id> session_ids_in_order(Connection& conn, domain::Id event_id);

// The registration, as the console shows it after a change.
// Throws NotFound registration_not_found unless it is one of the event's.
RegistrationRow load_registration_row(Connection& conn, domain::Id event_id, domain::Id registration_id);

// Manual changes: each needs a reason (in `audit`), is audited with the registration's
// state before and after, and hands freed places on as a delegate's own change would.
//
// Promotion respects capacity: with no free place it is refused (Refusal event_full /
// session_full) unless `override_capacity`, which raises the capacity by exactly what the
// promotion needs (audited as its own entry); a session never goes above its room's
// capacity (Refusal capacity_above_room). A promoted delegate jumps the waiting list.
RegistrationRow promote_registration(Connection& conn, ChangeSet& changes, domain::Id event_id, domain::Id registration_id,
                                     bool override_capacity, const AuditContext& audit, domain::Instant now);
RegistrationRow cancel_registration_by_organiser(Connection& conn, ChangeSet& changes, domain::Id event_id,
                                                 domain::Id registration_id, const AuditContext& audit, domain::Instant now);
RegistrationRow promote_enrolment(Connection& conn, ChangeSet& changes, domain::Id event_id, domain::Id session_id,
                                  domain::Id registration_id, bool override_capacity, const AuditContext& audit,
                                  domain::Instant now);
RegistrationRow cancel_enrolment(Connection& conn, ChangeSet& changes, domain::Id event_id, domain::Id session_id,
                                 domain::Id registration_id, const AuditContext& audit, domain::Instant now);
// Leaves `from` and enrols in `to` (confirmed while it has places, else its waiting list,
// unless `override_capacity`). The rules of a delegate's own enrolment apply: same event,
// not started, no overlap with another session the delegate holds.
RegistrationRow move_enrolment(Connection& conn, ChangeSet& changes, domain::Id event_id, domain::Id from_session_id,
                               domain::Id registration_id, domain::Id to_session_id, bool override_capacity,
                               const AuditContext& audit, domain::Instant now);

// ---- activity -------------------------------------------------------------------------

// Registrations, cancellations, promotions, schedule changes and staff changes of an
// event, newest first. `data` is what the console shows of each.
struct ActivityItem {
    domain::Instant at{};
    std::string type;  // registered, cancelled, promoted, schedule, staff
    domain::Id id = 0;
    nlohmann::json data;
    std::string cursor;  // pass as `before` to get what came before this item
};
// `before`: a cursor from an earlier page (an empty one starts from the newest).
// Throws domain::InvalidField("before") for a malformed cursor.
std::vector<ActivityItem> list_activity(Connection& conn, domain::Id event_id, const std::string& before, int limit);
inline constexpr int max_activity_page = 200;

// ---- lookups --------------------------------------------------------------------------

// session_in_event is in storage/programme_store.hpp.

struct VenueRow {
    domain::Id id = 0;
    std::string name;
    std::string city;
    std::string country;
    std::string timezone;
};
std::vector<VenueRow> list_venues(Connection& conn);

}  // namespace congress::storage
