#include "storage/programme_store.hpp"

#include <nlohmann/json.hpp>

#include "domain/registration.hpp"
#include "storage/event_repository.hpp"
#include "storage/registration_store.hpp"

namespace congress::storage {

namespace {

using domain::Id;
using domain::Instant;

constexpr std::string_view select_event_count = R"sql(
SELECT e.capacity, coalesce(c.confirmed, 0), coalesce(c.waitlisted, 0)
FROM events e LEFT JOIN seat_counters c ON c.event_id = e.id AND c.session_id = 0
WHERE e.id = ?1
)sql";

constexpr std::string_view select_session_counts = R"sql(
SELECT s.id, s.event_id, s.capacity, coalesce(c.confirmed, 0), coalesce(c.waitlisted, 0)
FROM sessions s LEFT JOIN seat_counters c ON c.event_id = s.event_id AND c.session_id = s.id
WHERE s.event_id = ?1
ORDER BY s.id
)sql";

constexpr std::string_view select_one_session_count = R"sql(
SELECT s.id, s.event_id, s.capacity, coalesce(c.confirmed, 0), coalesce(c.waitlisted, 0)
FROM sessions s LEFT JOIN seat_counters c ON c.event_id = s.event_id AND c.session_id = s.id
WHERE s.id = ?1
)sql";

constexpr std::string_view select_all_counts = R"sql(
SELECT e.id, NULL, e.capacity, coalesce(c.confirmed, 0), coalesce(c.waitlisted, 0)
FROM events e LEFT JOIN seat_counters c ON c.event_id = e.id AND c.session_id = 0
UNION ALL
SELECT s.event_id, s.id, s.capacity, coalesce(c.confirmed, 0), coalesce(c.waitlisted, 0)
FROM sessions s LEFT JOIN seat_counters c ON c.event_id = s.event_id AND c.session_id = s.id
)sql";

constexpr std::string_view select_schedule_version = "SELECT schedule_version FROM events WHERE id = ?1";

constexpr std::string_view select_schedule_changes_after = R"sql(
SELECT id, event_id, version, session_id, change FROM schedule_changes WHERE id > ?1 ORDER BY id
)sql";

constexpr std::string_view select_last_schedule_change = "SELECT coalesce(max(id), 0) FROM schedule_changes";

constexpr std::string_view select_session_snapshot = R"sql(
SELECT s.id, s.event_id, s.title, e.timezone, s.starts_at, s.ends_at, r.id, r.name, r.capacity, s.capacity, s.status,
       e.starts_at, e.ends_at
FROM sessions s JOIN events e ON e.id = s.event_id LEFT JOIN rooms r ON r.id = s.room_id
WHERE s.id = ?1
)sql";

constexpr std::string_view select_room = "SELECT id, name, capacity FROM rooms WHERE id = ?1";

// Another scheduled session in the same room whose time overlaps (instants are sortable text).
constexpr std::string_view select_room_clash = R"sql(
SELECT id, title FROM sessions
WHERE room_id = ?1 AND id <> ?2 AND status = 'scheduled' AND starts_at < ?4 AND ?3 < ends_at
ORDER BY starts_at LIMIT 1
)sql";

constexpr std::string_view update_session = R"sql(
UPDATE sessions SET title = ?2, starts_at = ?3, ends_at = ?4, room_id = ?5, capacity = ?6, status = ?7 WHERE id = ?1
)sql";

constexpr std::string_view bump_schedule_version = R"sql(
UPDATE events SET schedule_version = schedule_version + 1 WHERE id = ?1 RETURNING schedule_version
)sql";

constexpr std::string_view insert_schedule_change = R"sql(
INSERT INTO schedule_changes (event_id, version, session_id, change, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
)sql";

Instant instant_of(const Statement& stmt, int column) {
    const auto text = stmt.text(column);
    if (auto parsed = domain::parse_utc(text)) return *parsed;
    throw SqliteError(0, "malformed instant in database: " + text);
}

SeatCount read_session_count(const Statement& row) {
    return SeatCount{row.int64(1), row.int64(0), row.int32(2), row.int32(3), row.int32(4)};
}

nlohmann::json session_state(const SessionSnapshot& s) {
    nlohmann::json room = nullptr;
    if (s.room) room = {{"id", s.room->id}, {"name", s.room->name}};
    return {{"title", s.title},
            {"starts_at", domain::format_in_zone(s.starts_at, s.timezone)},
            {"ends_at", domain::format_in_zone(s.ends_at, s.timezone)},
            {"room", room},
            {"capacity", s.capacity},
            {"status", domain::to_string(s.status)}};
}

}  // namespace

std::vector<SeatCount> event_seat_counts(Connection& conn, Id event_id) {
    std::vector<SeatCount> counts;
    auto event = conn.cached(select_event_count);
    event.bind(1, event_id);
    if (!event.step()) return counts;
    counts.push_back(SeatCount{event_id, std::nullopt, event.int32(0), event.int32(1), event.int32(2)});
    auto sessions = conn.cached(select_session_counts);
    sessions.bind(1, event_id);
    while (sessions.step()) counts.push_back(read_session_count(sessions));
    return counts;
}

std::vector<SeatCount> all_seat_counts(Connection& conn) {
    auto stmt = conn.prepare(select_all_counts);
    std::vector<SeatCount> counts;
    while (stmt.step())
        counts.push_back(SeatCount{stmt.int64(0), stmt.optional_int64(1), stmt.int32(2), stmt.int32(3), stmt.int32(4)});
    return counts;
}

std::optional<SeatCount> session_seat_count(Connection& conn, Id session_id) {
    auto stmt = conn.cached(select_one_session_count);
    stmt.bind(1, session_id);
    if (!stmt.step()) return std::nullopt;
    return read_session_count(stmt);
}

std::optional<int> schedule_version(Connection& conn, Id event_id) {
    auto stmt = conn.prepare(select_schedule_version);
    stmt.bind(1, event_id);
    if (!stmt.step()) return std::nullopt;
    return stmt.int32(0);
}

std::vector<ScheduleChange> schedule_changes_after(Connection& conn, Id last_id) {
    auto stmt = conn.prepare(select_schedule_changes_after);
    stmt.bind(1, last_id);
    std::vector<ScheduleChange> out;
    while (stmt.step())
        out.push_back(ScheduleChange{stmt.int64(0), stmt.int64(1), stmt.int32(2), stmt.optional_int64(3), stmt.text(4)});
    return out;
}

Id last_schedule_change_id(Connection& conn) {
    auto stmt = conn.prepare(select_last_schedule_change);
    stmt.step();
    return stmt.int64(0);
}

std::optional<SessionSnapshot> load_session_snapshot(Connection& conn, Id session_id) {
    auto stmt = conn.prepare(select_session_snapshot);
    stmt.bind(1, session_id);
    if (!stmt.step()) return std::nullopt;
    SessionSnapshot s;
    s.id = stmt.int64(0);
    s.event_id = stmt.int64(1);
    s.title = stmt.text(2);
    s.timezone = stmt.text(3);
    s.starts_at = instant_of(stmt, 4);
    s.ends_at = instant_of(stmt, 5);
    if (!stmt.is_null(6)) s.room = domain::Room{stmt.int64(6), stmt.text(7), stmt.int32(8), {}, {}};
    s.capacity = stmt.int32(9);
    s.status = domain::parse_session_status(stmt.text(10)).value_or(domain::SessionStatus::scheduled);
    return s;
}

int change_session(Connection& conn, ChangeSet& changes, Id session_id, const SessionChangeRequest& request,
                   Instant now) {
    const auto before = load_session_snapshot(conn, session_id);
    if (!before) throw domain::NotFound("session_not_found", "There is no session " + std::to_string(session_id) + ".");
    const auto event = load_event(conn, before->event_id);
    auto after = *before;

    if (request.title) after.title = *request.title;
    if (request.starts_at) after.starts_at = domain::to_instant(*request.starts_at, before->timezone);
    if (request.ends_at) after.ends_at = domain::to_instant(*request.ends_at, before->timezone);
    if (request.starts_at && !request.ends_at) after.ends_at = after.starts_at + (before->ends_at - before->starts_at);
    if (request.capacity) after.capacity = *request.capacity;
    if (request.cancel) after.status = domain::SessionStatus::cancelled;
    if (request.room_id) {
        auto room = conn.prepare(select_room);
        room.bind(1, *request.room_id);
        if (!room.step()) throw domain::InvalidField("room", "There is no room " + std::to_string(*request.room_id) + ".");
        after.room = domain::Room{room.int64(0), room.text(1), room.int32(2), {}, {}};
    }

    if (after.ends_at <= after.starts_at) throw domain::InvalidField("ends_at", "A session must end after it starts.");
    if (event && (after.starts_at < event->starts_at || after.ends_at > event->ends_at))
        throw domain::InvalidField("starts_at", "The session must lie within its event's dates.");
    if (after.capacity < 0) throw domain::InvalidField("capacity", "Capacity cannot be negative.");
    if (after.room && after.capacity > after.room->capacity)
        throw domain::Refusal("capacity_above_room", "The capacity " + std::to_string(after.capacity) + " is above the " +
                                                         std::to_string(after.room->capacity) + " places of " +
                                                         after.room->name + ".");
    if (after.room && after.status == domain::SessionStatus::scheduled) {
        auto clash = conn.prepare(select_room_clash);
        clash.bind(1, after.room->id)
            .bind(2, session_id)
            .bind(3, domain::format_utc(after.starts_at))
            .bind(4, domain::format_utc(after.ends_at));
        if (clash.step())
            throw domain::Refusal("room_double_booked",
                                  after.room->name + " is already booked at that time for \"" + clash.text(1) + "\".");
    }

    const char* kind = "changed";
    if (after.status == domain::SessionStatus::cancelled && before->status != domain::SessionStatus::cancelled)
        kind = "cancelled";
    else if (after.starts_at != before->starts_at || after.ends_at != before->ends_at ||
             (after.room ? after.room->id : 0) != (before->room ? before->room->id : 0))
        kind = "moved";

    conn.prepare(update_session)
        .bind(1, session_id)
        .bind(2, after.title)
        .bind(3, domain::format_utc(after.starts_at))
        .bind(4, domain::format_utc(after.ends_at))
        .bind(5, after.room ? std::optional<Id>(after.room->id) : std::nullopt)
        .bind(6, after.capacity)
        .bind(7, domain::to_string(after.status))
        .run();
    auto bump = conn.prepare(bump_schedule_version);
    bump.bind(1, before->event_id);
    bump.step();
    const int version = bump.int32(0);
    bump.reset();
    const nlohmann::json record = {
        {"change", kind}, {"reason", request.reason}, {"before", session_state(*before)}, {"after", session_state(after)}};
    conn.prepare(insert_schedule_change)
        .bind(1, before->event_id)
        .bind(2, version)
        .bind(3, session_id)
        .bind(4, record.dump())
        .bind(5, domain::format_utc(now))
        .run();
    changes.events.insert(before->event_id);
    if (after.capacity > before->capacity) promote_session_waitlist(conn, changes, session_id, now);
    return version;
}

std::int64_t data_version(Connection& conn) {
    auto stmt = conn.prepare("PRAGMA data_version");
    stmt.step();
    return stmt.int64(0);
}

}  // namespace congress::storage
