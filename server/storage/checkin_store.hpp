// Badges and check-in: the events' badge keys, check-ins decided by the single writer,
// offline scans merged by time, undo, duplicates, counters and the lists desks and
// organisers read (docs/checkin.md).
//
// A check-in is one command of the single writer: it reads the registration and the active
// check-in and inserts in the same transaction, so of two desks scanning one badge at once
// exactly one admits it. The unique index on active check-ins repeats the rule underneath.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/badge_token.hpp"
#include "domain/event.hpp"
#include "domain/registration.hpp"
#include "domain/time.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/sqlite.hpp"

namespace congress::storage {

// ---- badge keys ---------------------------------------------------------------------

// The event's key pair, or null if it has none yet.
std::shared_ptr<const auth::BadgeKey> load_badge_key(Connection& conn, domain::Id event_id);
// The event's key pair, made and stored now if it has none (writer only). Throws
// domain::NotFound("event_not_found").
std::shared_ptr<const auth::BadgeKey> ensure_badge_key(Connection& conn, domain::Id event_id, domain::Instant now);

// ---- check-in -------------------------------------------------------------------------

enum class CheckinSource { scan, search, offline };
std::string_view to_string(CheckinSource source);

struct CheckinInput {
    domain::Id event_id = 0;
    domain::Id registration_id = 0;  // from a verified badge, or chosen by search
    domain::Id session_id = 0;       // 0: the event's entrance
    std::string desk;
    std::optional<domain::Id> staff_user_id;
    std::string staff_name;
    CheckinSource source = CheckinSource::scan;
    domain::Instant scanned_at{};  // when the desk admitted (offline: the desk's clock)
};

struct CheckinPerson {
    domain::Id id = 0;
    std::string name;
    std::optional<std::string> organisation;
    domain::RegistrationStatus status = domain::RegistrationStatus::confirmed;
};

struct CheckinRecord {
    domain::Id id = 0;
    domain::Id registration_id = 0;
    domain::Id session_id = 0;  // 0: the entrance
    std::string desk;
    std::string staff_name;
    domain::Instant scanned_at{};
    std::string source;
    std::optional<domain::Instant> undone_at;
    std::optional<std::string> undone_by;
    std::optional<std::string> undo_reason;
};

// ---- check-in: the repository of app::check_in (app/checkin.hpp decides) ---------------

// A session's door: its event, whether it is cancelled, its title.
struct SessionDoor {
    domain::Id event_id = 0;
    bool cancelled = false;
    std::string title;
};
std::optional<SessionDoor> find_session_door(Connection& conn, domain::Id session_id);
// The registration a badge names, with its event's id.
struct BadgeHolder {
    domain::Id event_id = 0;
    CheckinPerson person;
};
std::optional<BadgeHolder> find_badge_holder(Connection& conn, domain::Id registration_id);
bool has_confirmed_place(Connection& conn, domain::Id registration_id, domain::Id session_id);
// The active (not undone) check-in of the registration at the door (0: the entrance).
std::optional<CheckinRecord> active_checkin(Connection& conn, domain::Id registration_id, domain::Id scope);
// A new check-in of input.registration_id at input.session_id's door; returns its id.
domain::Id insert_checkin(Connection& conn, const CheckinInput& input, const std::string& staff_name, domain::Instant now);
// An offline admission earlier than the recorded one takes the recorded check-in over.
void take_over_checkin(Connection& conn, domain::Id checkin_id, const CheckinInput& input, const std::string& staff_name);
// Reports the admission that lost to `checkin_id` (same badge, same door) as a duplicate.
void insert_checkin_duplicate(Connection& conn, domain::Id event_id, domain::Id scope, domain::Id checkin_id,
                              const CheckinRecord& duplicate, domain::Instant now);

// Undoes an active check-in (audited). Throws NotFound("checkin_not_found") or
// Refusal("already_undone").
CheckinRecord undo_checkin(Connection& conn, ChangeSet& changes, domain::Id event_id, domain::Id checkin_id,
                           const std::string& reason, const AuditContext& audit, domain::Instant now);

// Answers to scans with a scan_id.
struct StoredScan {
    int status = 0;
    std::string answer;
};
std::optional<StoredScan> find_scan(Connection& conn, domain::Id event_id, const std::string& scan_id);
void store_scan(Connection& conn, domain::Id event_id, const std::string& scan_id, const StoredScan& scan,
                domain::Instant now);

// ---- what desks and organisers read ---------------------------------------------------------

struct CheckinCounts {
    int expected = 0;
    int checked_in = 0;
};
CheckinCounts checkin_counts(Connection& conn, domain::Id event_id, domain::Id session_id);

struct DeskCount {
    std::string desk;
    int checked_in = 0;
};
struct SessionCheckinCount {
    domain::Id id = 0;
    std::string title;
    domain::Instant starts_at{};
    domain::Instant ends_at{};
    std::optional<std::string> room;
    int expected = 0;
    int checked_in = 0;
};
struct CheckinStats {
    domain::Id event_id = 0;
    int expected = 0;
    int checked_in = 0;
    std::vector<DeskCount> desks;
    std::vector<SessionCheckinCount> sessions;
    int duplicates = 0;
};
// Throws NotFound("event_not_found").
CheckinStats checkin_stats(Connection& conn, domain::Id event_id);

struct Attendee {
    CheckinPerson person;
    std::vector<domain::Id> sessions;  // confirmed enrolments
    std::optional<domain::Instant> checked_in_at;
    std::optional<std::string> checked_in_desk;
};
std::vector<Attendee> list_attendees(Connection& conn, domain::Id event_id);

struct SearchHit {
    CheckinPerson person;
    std::string email;
    std::optional<domain::Instant> checked_in_at;
    std::optional<std::string> checked_in_desk;
};
inline constexpr int max_search_hits = 20;
std::vector<SearchHit> search_attendees(Connection& conn, domain::Id event_id, const std::string& text);

struct CheckinListItem {
    CheckinRecord record;
    CheckinPerson person;
};
inline constexpr int max_checkin_page = 200;
std::vector<CheckinListItem> list_checkins(Connection& conn, domain::Id event_id, std::optional<std::string> desk,
                                           int limit);

struct DuplicateItem {
    domain::Id id = 0;
    CheckinPerson person;
    domain::Id session_id = 0;
    CheckinRecord kept;
    std::string desk;
    std::string staff_name;
    domain::Instant scanned_at{};
    domain::Instant reported_at{};
};
std::vector<DuplicateItem> list_duplicates(Connection& conn, domain::Id event_id);

// ---- badges -----------------------------------------------------------------------------

struct BadgeRow {
    CheckinPerson person;
    std::optional<domain::Instant> printed_at;  // last printed
};
// Confirmed registrations of the event: those named (others are left out), or with
// `unprinted`, every one not printed yet; in order of name.
std::vector<BadgeRow> list_badges(Connection& conn, domain::Id event_id, const std::vector<domain::Id>& ids,
                                  bool unprinted);
// Records that these badges were printed; returns how many of them are confirmed
// registrations of the event (the others are ignored). Audited.
int mark_badges_printed(Connection& conn, domain::Id event_id, const std::vector<domain::Id>& ids,
                        const AuditContext& audit, domain::Instant now);

}  // namespace congress::storage
