#include "storage/programme_store.hpp"

#include <nlohmann/json.hpp>

#include <set>

#include "domain/registration.hpp"

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

// The same rule as the public programme's list of rooms: the venue's, and any a session uses.
constexpr std::string_view select_room_of_event = R"sql(
SELECT r.id, r.name, r.capacity FROM rooms r
WHERE r.id = ?2
  AND (r.venue_id = (SELECT venue_id FROM events WHERE id = ?1)
       OR r.id IN (SELECT room_id FROM sessions WHERE event_id = ?1))
)sql";

// The room's scheduled sessions that overlap the time (instants are sortable text); the
// domain decides which one is the clash.
constexpr std::string_view select_room_bookings = R"sql(
SELECT id, title, starts_at, ends_at FROM sessions
WHERE room_id = ?1 AND status = 'scheduled' AND starts_at < ?3 AND ?2 < ends_at
ORDER BY starts_at, id
)sql";

constexpr std::string_view select_track_in_event = "SELECT 1 FROM tracks WHERE id = ?2 AND event_id = ?1";
constexpr std::string_view select_session_in_event = "SELECT 1 FROM sessions WHERE id = ?2 AND event_id = ?1";

constexpr std::string_view insert_session_row = R"sql(
INSERT INTO sessions (event_id, track_id, room_id, title, description, kind, starts_at, ends_at, capacity)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
)sql";

constexpr std::string_view update_session_row = R"sql(
UPDATE sessions SET title = ?2, starts_at = ?3, ends_at = ?4, room_id = ?5, capacity = ?6, status = ?7 WHERE id = ?1
)sql";

constexpr std::string_view select_session_extras = "SELECT description, kind, track_id FROM sessions WHERE id = ?1";
constexpr std::string_view update_session_extras = R"sql(
UPDATE sessions SET description = ?2, kind = ?3, track_id = ?4 WHERE id = ?1
)sql";

constexpr std::string_view select_session_speakers = R"sql(
SELECT p.name FROM session_speakers ss JOIN people p ON p.id = ss.person_id
WHERE ss.session_id = ?1 ORDER BY ss.position, p.name
)sql";
constexpr std::string_view select_person_by_name = "SELECT id FROM people WHERE name = ?1 ORDER BY id LIMIT 1";
constexpr std::string_view insert_person = "INSERT INTO people (name) VALUES (?1)";
constexpr std::string_view delete_session_speakers = "DELETE FROM session_speakers WHERE session_id = ?1";
constexpr std::string_view insert_session_speaker = R"sql(
INSERT INTO session_speakers (session_id, person_id, position) VALUES (?1, ?2, ?3)
)sql";

constexpr std::string_view bump_schedule_version_sql = R"sql(
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

// A session in the schedule's log (the shape the live channel pushes, see docs/api.md).
nlohmann::json logged_state(const SessionSnapshot& s) {
    nlohmann::json room = nullptr;
    if (s.room) room = {{"id", s.room->id}, {"name", s.room->name}};
    return {{"title", s.title},
            {"starts_at", domain::format_in_zone(s.starts_at, s.timezone)},
            {"ends_at", domain::format_in_zone(s.ends_at, s.timezone)},
            {"room", room},
            {"capacity", s.capacity},
            {"status", domain::to_string(s.status)}};
}

std::optional<Id> room_id_of(const SessionSnapshot& s) { return s.room ? std::optional<Id>(s.room->id) : std::nullopt; }

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

std::optional<domain::Room> room_of_event(Connection& conn, Id event_id, Id room_id) {
    auto stmt = conn.cached(select_room_of_event);
    stmt.bind(1, event_id).bind(2, room_id);
    if (!stmt.step()) return std::nullopt;
    return domain::Room{stmt.int64(0), stmt.text(1), stmt.int32(2), {}, {}};
}

std::vector<domain::Booking> room_bookings(Connection& conn, Id room_id, Instant starts_at, Instant ends_at) {
    auto stmt = conn.cached(select_room_bookings);
    stmt.bind(1, room_id).bind(2, domain::format_utc(starts_at)).bind(3, domain::format_utc(ends_at));
    std::vector<domain::Booking> out;
    while (stmt.step()) out.push_back({stmt.int64(0), stmt.text(1), instant_of(stmt, 2), instant_of(stmt, 3)});
    return out;
}

bool track_in_event(Connection& conn, Id event_id, Id track_id) {
    auto stmt = conn.cached(select_track_in_event);
    stmt.bind(1, event_id).bind(2, track_id);
    return stmt.step();
}

bool session_in_event(Connection& conn, Id event_id, Id session_id) {
    auto stmt = conn.cached(select_session_in_event);
    stmt.bind(1, event_id).bind(2, session_id);
    return stmt.step();
}

int confirmed_in_session(Connection& conn, Id session_id) {
    const auto count = session_seat_count(conn, session_id);
    return count ? count->confirmed : 0;
}

SessionExtras load_session_extras(Connection& conn, Id session_id) {
    auto stmt = conn.cached(select_session_extras);
    stmt.bind(1, session_id);
    if (!stmt.step()) return {};
    return SessionExtras{stmt.text(0), stmt.text(1), stmt.optional_int64(2)};
}

void save_session_extras(Connection& conn, Id session_id, const SessionExtras& extras) {
    conn.cached(update_session_extras)
        .bind(1, session_id)
        .bind(2, extras.description)
        .bind(3, extras.kind)
        .bind(4, extras.track_id)
        .run();
}

std::vector<std::string> session_speakers(Connection& conn, Id session_id) {
    auto stmt = conn.cached(select_session_speakers);
    stmt.bind(1, session_id);
    std::vector<std::string> names;
    while (stmt.step()) names.push_back(stmt.text(0));
    return names;
}

void replace_speakers(Connection& conn, Id session_id, const std::vector<std::string>& names) {
    conn.cached(delete_session_speakers).bind(1, session_id).run();
    std::set<Id> seen;
    int position = 0;
    for (const auto& name : names) {
        Id person = 0;
        {
            auto find = conn.cached(select_person_by_name);
            find.bind(1, name);
            if (find.step()) person = find.int64(0);
        }
        if (person == 0) {
            conn.cached(insert_person).bind(1, name).run();
            person = conn.last_insert_rowid();
        }
        if (!seen.insert(person).second) continue;  // named twice
        conn.cached(insert_session_speaker).bind(1, session_id).bind(2, person).bind(3, position++).run();
    }
}

Id insert_session(Connection& conn, const SessionSnapshot& state, const SessionExtras& extras) {
    conn.cached(insert_session_row)
        .bind(1, state.event_id)
        .bind(2, extras.track_id)
        .bind(3, room_id_of(state))
        .bind(4, state.title)
        .bind(5, extras.description)
        .bind(6, extras.kind)
        .bind(7, domain::format_utc(state.starts_at))
        .bind(8, domain::format_utc(state.ends_at))
        .bind(9, state.capacity)
        .run();
    return conn.last_insert_rowid();
}

void save_session(Connection& conn, const SessionSnapshot& state) {
    conn.cached(update_session_row)
        .bind(1, state.id)
        .bind(2, state.title)
        .bind(3, domain::format_utc(state.starts_at))
        .bind(4, domain::format_utc(state.ends_at))
        .bind(5, room_id_of(state))
        .bind(6, state.capacity)
        .bind(7, domain::to_string(state.status))
        .run();
}

int bump_schedule_version(Connection& conn, Id event_id) {
    auto bump = conn.cached(bump_schedule_version_sql);
    bump.bind(1, event_id);
    if (!bump.step()) throw SqliteError(0, "no event " + std::to_string(event_id) + " to bump the schedule of");
    const int version = bump.int32(0);
    bump.reset();
    return version;
}

Id record_schedule_change(Connection& conn, const domain::ScheduleChanged& change, Instant now) {
    const nlohmann::json record = {{"change", domain::to_string(change.kind)},
                                   {"reason", change.reason},
                                   {"before", change.before ? logged_state(*change.before) : nlohmann::json(nullptr)},
                                   {"after", logged_state(change.after)}};
    conn.cached(insert_schedule_change)
        .bind(1, change.event_id)
        .bind(2, change.version)
        .bind(3, change.after.id)
        .bind(4, record.dump())
        .bind(5, domain::format_utc(now))
        .run();
    return conn.last_insert_rowid();
}

nlohmann::json session_audit_state(Connection& conn, Id session_id) {
    const auto s = load_session_snapshot(conn, session_id);
    if (!s) return nullptr;
    const auto extras = load_session_extras(conn, session_id);
    return {{"title", s->title},
            {"description", extras.description},
            {"kind", extras.kind},
            {"track_id", extras.track_id ? nlohmann::json(*extras.track_id) : nlohmann::json(nullptr)},
            {"starts_at", domain::format_in_zone(s->starts_at, s->timezone)},
            {"ends_at", domain::format_in_zone(s->ends_at, s->timezone)},
            {"room", s->room ? nlohmann::json{{"id", s->room->id}, {"name", s->room->name}} : nlohmann::json(nullptr)},
            {"capacity", s->capacity},
            {"status", domain::to_string(s->status)},
            {"speakers", session_speakers(conn, session_id)}};
}

std::int64_t data_version(Connection& conn) {
    auto stmt = conn.prepare("PRAGMA data_version");
    stmt.step();
    return stmt.int64(0);
}

}  // namespace congress::storage
