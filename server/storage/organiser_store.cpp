#include "storage/organiser_store.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>
#include <tuple>
#include <unordered_map>

#include "domain/programme_edit.hpp"
#include "storage/event_repository.hpp"
#include "storage/programme_store.hpp"
#include "storage/registration_store.hpp"

namespace congress::storage {

namespace {

using domain::Id;
using domain::Instant;
using domain::RegistrationStatus;
using nlohmann::json;

// --- SQL: events, venues ----------------------------------------------------------------

constexpr std::string_view select_event_by_slug = "SELECT id FROM events WHERE slug = ?1";

constexpr std::string_view insert_event = R"sql(
INSERT INTO events (slug, title, kind, description, timezone, venue_id, starts_at, ends_at, capacity,
                    registration_opens_at, registration_closes_at, waitlist_enabled, eligibility, promote_after_close)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
)sql";

constexpr std::string_view update_event_row = R"sql(
UPDATE events SET slug = ?2, title = ?3, kind = ?4, description = ?5, timezone = ?6, venue_id = ?7, starts_at = ?8,
                  ends_at = ?9, capacity = ?10, registration_opens_at = ?11, registration_closes_at = ?12,
                  waitlist_enabled = ?13, eligibility = ?14, promote_after_close = ?15
WHERE id = ?1
)sql";

constexpr std::string_view insert_venue = R"sql(
INSERT INTO venues (name, address, city, country, timezone) VALUES (?1, ?2, ?3, ?4, ?5)
)sql";

constexpr std::string_view select_venue_exists = "SELECT 1 FROM venues WHERE id = ?1";

constexpr std::string_view select_venues = R"sql(
SELECT id, name, coalesce(city, ''), coalesce(country, ''), timezone FROM venues ORDER BY name, id
)sql";

constexpr std::string_view count_event_sessions = "SELECT count(*) FROM sessions WHERE event_id = ?1";

constexpr std::string_view select_scheduled_sessions = R"sql(
SELECT id, title, starts_at, ends_at FROM sessions WHERE event_id = ?1 AND status = 'scheduled' ORDER BY starts_at, id
)sql";

constexpr std::string_view update_event_capacity_only = "UPDATE events SET capacity = ?2 WHERE id = ?1";

// --- SQL: tracks ------------------------------------------------------------------------

constexpr std::string_view next_track_position = "SELECT coalesce(max(position), 0) + 1 FROM tracks WHERE event_id = ?1";

constexpr std::string_view insert_track = R"sql(
INSERT INTO tracks (event_id, name, description, position) VALUES (?1, ?2, ?3, ?4)
)sql";

constexpr std::string_view select_track = R"sql(
SELECT id, name, description, position FROM tracks WHERE id = ?2 AND event_id = ?1
)sql";

constexpr std::string_view update_track_row = "UPDATE tracks SET name = ?2, description = ?3, position = ?4 WHERE id = ?1";

// --- SQL: rooms -------------------------------------------------------------------------

constexpr std::string_view select_event_venue = "SELECT venue_id FROM events WHERE id = ?1";

constexpr std::string_view insert_room =
    "INSERT INTO rooms (venue_id, name, capacity, floor, equipment) VALUES (?1, ?2, ?3, ?4, ?5)";

constexpr std::string_view select_room_events = "SELECT DISTINCT event_id FROM sessions WHERE room_id = ?1";

constexpr std::string_view select_room_uses = R"sql(
SELECT id, title, capacity FROM sessions WHERE room_id = ?1 AND status = 'scheduled'
)sql";

constexpr std::string_view update_room_row =
    "UPDATE rooms SET name = ?2, capacity = ?3, floor = ?4, equipment = ?5 WHERE id = ?1";
constexpr std::string_view select_room_details = "SELECT floor, equipment FROM rooms WHERE id = ?1";

// --- SQL: sessions ----------------------------------------------------------------------

constexpr std::string_view update_session_capacity_only = "UPDATE sessions SET capacity = ?2 WHERE id = ?1";

// --- SQL: registrations -----------------------------------------------------------------

// Filters shared by the lists: ?2 status, ?3 search pattern, ?4 organisation, ?5 member.
// An unset (NULL) parameter matches everything.
constexpr std::string_view registration_filters = R"sql(
  AND (?3 IS NULL OR r.name LIKE ?3 ESCAPE '\' OR r.email LIKE ?3 ESCAPE '\'
       OR r.organisation LIKE ?3 ESCAPE '\' OR o.name LIKE ?3 ESCAPE '\')
  AND (?4 IS NULL OR coalesce(o.name, r.organisation) = ?4)
  AND (?5 IS NULL OR coalesce(o.is_member, 0) = ?5)
)sql";

constexpr std::string_view registration_columns = R"sql(
r.id, r.name, r.email, r.organisation, r.member_organisation_id, o.name, coalesce(o.is_member, 0), r.language
)sql";

// Waiting-list positions over the whole list, whatever the filters show.
constexpr std::string_view event_registrations_from = R"sql(
FROM registrations r
LEFT JOIN organisations o ON o.id = r.member_organisation_id
LEFT JOIN (SELECT id, row_number() OVER (ORDER BY waitlist_seq) AS position
           FROM registrations WHERE event_id = ?1 AND status = 'waitlisted') p ON p.id = r.id
WHERE r.event_id = ?1
  AND (?2 IS NULL OR r.status = ?2)
)sql";

constexpr std::string_view event_registrations_extra = R"sql(
, r.status, p.position, r.created_at, r.updated_at,
  (SELECT count(*) FROM session_enrolments e WHERE e.registration_id = r.id AND e.status <> 'cancelled'), r.status
)sql";

// A session's enrolments: active ones unless a status is asked for.
constexpr std::string_view session_enrolments_from = R"sql(
FROM session_enrolments e
JOIN registrations r ON r.id = e.registration_id
LEFT JOIN organisations o ON o.id = r.member_organisation_id
LEFT JOIN (SELECT id, row_number() OVER (ORDER BY waitlist_seq) AS position
           FROM session_enrolments WHERE session_id = ?6 AND status = 'waitlisted') p ON p.id = e.id
WHERE e.session_id = ?6 AND r.event_id = ?1
  AND ((?2 IS NULL AND e.status <> 'cancelled') OR e.status = ?2)
)sql";

constexpr std::string_view session_enrolments_extra = R"sql(
, e.status, p.position, e.created_at, e.updated_at, 0, r.status
)sql";

constexpr std::string_view order_event_created = " ORDER BY r.created_at, r.id LIMIT ?7 OFFSET ?8";
constexpr std::string_view order_session_created = " ORDER BY e.created_at, e.id LIMIT ?7 OFFSET ?8";
constexpr std::string_view order_session_name = " ORDER BY r.name COLLATE NOCASE, e.id LIMIT ?7 OFFSET ?8";

// The event's list (schema 0010): parameters as the shared filters, plus ?9 the full-text
// query of a search, ?10 and ?11 the sort key and id of the row the page follows. The WHERE
// clause is assembled by event_list_sql(): which index drives the query depends on the filters.
constexpr std::string_view event_list_from = R"sql(
FROM registrations r
LEFT JOIN organisations o ON o.id = r.member_organisation_id
)sql";

constexpr std::string_view event_list_extra = R"sql(
, r.status, NULL, r.created_at, r.updated_at,
  (SELECT count(*) FROM session_enrolments e WHERE e.registration_id = r.id AND e.status <> 'cancelled'), r.status
)sql";

// A search: the words (full-text index), or the member organisation's name.
constexpr std::string_view event_list_search = R"sql(
  AND r.id IN (SELECT rowid FROM registrations_search WHERE registrations_search MATCH ?9
               UNION
               SELECT x.id FROM registrations x
               WHERE x.member_organisation_id IN (SELECT id FROM organisations WHERE name LIKE ?3 ESCAPE '\')
                 AND x.event_id = ?1)
)sql";

// A search without a word (only punctuation): read every row, as before.
constexpr std::string_view event_list_search_scan = R"sql(
  AND (r.name LIKE ?3 ESCAPE '\' OR r.email LIKE ?3 ESCAPE '\'
       OR r.organisation LIKE ?3 ESCAPE '\' OR o.name LIKE ?3 ESCAPE '\')
)sql";

constexpr std::string_view event_list_organisation = R"sql(
  AND r.id IN (SELECT id FROM registrations
               WHERE event_id = ?1 AND member_organisation_id IS NULL AND organisation = ?4
               UNION ALL
               SELECT x.id FROM registrations x
               WHERE x.member_organisation_id IN (SELECT id FROM organisations WHERE name = ?4)
                 AND x.event_id = ?1)
)sql";

constexpr std::string_view select_session_ids_in_order = R"sql(
SELECT id FROM sessions WHERE event_id = ?1 ORDER BY starts_at, id
)sql";

// Active enrolments of the event's sessions (?2: one status), from the seat counters.
constexpr std::string_view count_enrolments_kept = R"sql(
SELECT coalesce(sum(CASE WHEN ?2 IS NULL THEN confirmed + waitlisted
                         WHEN ?2 = 'confirmed' THEN confirmed ELSE waitlisted END), 0)
FROM seat_counters WHERE event_id = ?1 AND session_id <> 0 AND (?6 IS NULL OR session_id = ?6)
)sql";

constexpr std::string_view count_search_matches = R"sql(
SELECT count(*) FROM registrations_search WHERE registrations_search MATCH ?1
)sql";

constexpr std::string_view select_organisation_named = R"sql(
SELECT 1 FROM organisations WHERE name LIKE ?1 ESCAPE '\' LIMIT 1
)sql";

// Up to this many rows, a search or an organisation's rows are picked and sorted; above,
// the list's own order is walked (see event_list_sql).
constexpr long long few_rows = 2000;

// Registrations per event, every status (the kept tallies).
constexpr std::string_view select_registrations_per_event = R"sql(
SELECT event_id, sum(n) FROM registration_tallies GROUP BY event_id HAVING sum(n) > 0
)sql";

// The id of the row before a numbered page (?2 rows skipped), along a covering index.
constexpr std::string_view page_start_created = R"sql(
SELECT id FROM registrations WHERE event_id = ?1 ORDER BY created_at, id LIMIT 1 OFFSET ?2
)sql";

constexpr std::string_view page_start_by_status = R"sql(
SELECT id FROM registrations WHERE event_id = ?1 AND status = ?3 ORDER BY created_at, id LIMIT 1 OFFSET ?2
)sql";

constexpr std::string_view page_start_by_name = R"sql(
SELECT id FROM registrations WHERE event_id = ?1 ORDER BY name COLLATE NOCASE, id LIMIT 1 OFFSET ?2
)sql";

constexpr std::string_view select_cursor_created = R"sql(
SELECT created_at, id FROM registrations WHERE id = ?1 AND event_id = ?2
)sql";

constexpr std::string_view select_cursor_name = R"sql(
SELECT name, id FROM registrations WHERE id = ?1 AND event_id = ?2
)sql";

// Waiting-list order, to number the waitlisted rows of a page.
constexpr std::string_view select_waitlist_order = R"sql(
SELECT id FROM registrations WHERE event_id = ?1 AND status = 'waitlisted' ORDER BY waitlist_seq
)sql";

// Kept counts (registration_tallies, schema 0010).
constexpr std::string_view count_event_by_status = R"sql(
SELECT status, sum(n) FROM registration_tallies WHERE event_id = ?1 GROUP BY status
)sql";

constexpr std::string_view count_event_filtered = R"sql(
SELECT coalesce(sum(t.n), 0) FROM registration_tallies t
LEFT JOIN organisations o ON t.member_organisation_id <> 0 AND o.id = t.member_organisation_id
WHERE t.event_id = ?1
  AND (?2 IS NULL OR t.status = ?2)
  AND (?4 IS NULL OR (t.member_organisation_id = 0 AND t.organisation = ?4) OR o.name = ?4)
  AND (?5 IS NULL OR coalesce(o.is_member, 0) = ?5)
)sql";

constexpr std::string_view count_session_by_status = R"sql(
SELECT e.status, count(*) FROM session_enrolments e JOIN registrations r ON r.id = e.registration_id
WHERE e.session_id = ?1 GROUP BY e.status
)sql";

constexpr std::string_view select_event_organisations = R"sql(
SELECT DISTINCT CASE WHEN t.member_organisation_id = 0 THEN t.organisation ELSE o.name END AS org
FROM registration_tallies t
LEFT JOIN organisations o ON t.member_organisation_id <> 0 AND o.id = t.member_organisation_id
WHERE t.event_id = ?1 AND t.n > 0 AND org <> ''
ORDER BY org COLLATE NOCASE LIMIT 1000
)sql";

constexpr std::string_view enrolments_export_from = R"sql(
FROM session_enrolments e
JOIN sessions s ON s.id = e.session_id
JOIN registrations r ON r.id = e.registration_id
LEFT JOIN rooms rm ON rm.id = s.room_id
LEFT JOIN organisations o ON o.id = r.member_organisation_id
LEFT JOIN (SELECT x.id, row_number() OVER (PARTITION BY x.session_id ORDER BY x.waitlist_seq) AS position
           FROM session_enrolments x JOIN sessions y ON y.id = x.session_id
           WHERE y.event_id = ?1 AND x.status = 'waitlisted') p ON p.id = e.id
WHERE s.event_id = ?1 AND (?6 IS NULL OR s.id = ?6)
  AND ((?2 IS NULL AND e.status <> 'cancelled') OR e.status = ?2)
)sql";

constexpr std::string_view enrolments_export_extra = R"sql(
, r.status, NULL, r.created_at, r.updated_at, 0, r.status,
  s.id, s.title, s.starts_at, rm.name, e.status, p.position, e.created_at
)sql";

constexpr std::string_view enrolments_export_order = R"sql(
 ORDER BY s.starts_at, s.id, e.status, p.position, e.created_at, e.id
)sql";

constexpr std::string_view select_registration_of_event = R"sql(
SELECT code, status FROM registrations WHERE id = ?2 AND event_id = ?1
)sql";

constexpr std::string_view promote_registration_row = R"sql(
UPDATE registrations SET status = 'confirmed', updated_at = ?2 WHERE id = ?1 AND status = 'waitlisted'
)sql";

constexpr std::string_view select_active_enrolment = R"sql(
SELECT id, status FROM session_enrolments WHERE registration_id = ?1 AND session_id = ?2 AND status <> 'cancelled'
)sql";

constexpr std::string_view promote_enrolment_row = R"sql(
UPDATE session_enrolments SET status = 'confirmed', updated_at = ?2 WHERE id = ?1 AND status = 'waitlisted'
)sql";

// --- SQL: activity ----------------------------------------------------------------------
// Each source is read newest first, below the cursor (?2 at, ?3 rank, ?4 id): an item comes
// before the cursor when (at, rank, id) is smaller. Changes that staff made are told once,
// by their audit entry (same entity, same instant), not again by what they changed.

constexpr std::string_view activity_registered = R"sql(
SELECT r.id, r.created_at, r.name, coalesce(o.name, r.organisation), r.status
FROM registrations r LEFT JOIN organisations o ON o.id = r.member_organisation_id
WHERE r.event_id = ?1
  AND (r.created_at < ?2 OR (r.created_at = ?2 AND (1 < ?3 OR (1 = ?3 AND r.id < ?4))))
ORDER BY r.created_at DESC, r.id DESC LIMIT ?5
)sql";

constexpr std::string_view activity_cancelled = R"sql(
SELECT r.id, r.updated_at, r.name, coalesce(o.name, r.organisation), r.status
FROM registrations r LEFT JOIN organisations o ON o.id = r.member_organisation_id
WHERE r.event_id = ?1 AND r.status = 'cancelled'
  AND (r.updated_at < ?2 OR (r.updated_at = ?2 AND (2 < ?3 OR (2 = ?3 AND r.id < ?4))))
  AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity_type = 'registration' AND a.entity_id = r.id
                  AND a.at = r.updated_at)
ORDER BY r.updated_at DESC, r.id DESC LIMIT ?5
)sql";

constexpr std::string_view activity_promoted = R"sql(
SELECT r.id, r.updated_at, r.name, coalesce(o.name, r.organisation), r.status
FROM registrations r LEFT JOIN organisations o ON o.id = r.member_organisation_id
WHERE r.event_id = ?1 AND r.status = 'confirmed' AND r.waitlist_seq IS NOT NULL
  AND (r.updated_at < ?2 OR (r.updated_at = ?2 AND (3 < ?3 OR (3 = ?3 AND r.id < ?4))))
  AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity_type = 'registration' AND a.entity_id = r.id
                  AND a.at = r.updated_at)
ORDER BY r.updated_at DESC, r.id DESC LIMIT ?5
)sql";

constexpr std::string_view activity_schedule = R"sql(
SELECT c.id, c.created_at, c.session_id, c.version, c.change
FROM schedule_changes c
WHERE c.event_id = ?1
  AND (c.created_at < ?2 OR (c.created_at = ?2 AND (4 < ?3 OR (4 = ?3 AND c.id < ?4))))
  AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity_type = 'session' AND a.entity_id = c.session_id
                  AND a.at = c.created_at)
ORDER BY c.created_at DESC, c.id DESC LIMIT ?5
)sql";

constexpr std::string_view activity_staff = R"sql(
SELECT a.id, a.at, a.actor_label, a.action, a.entity_type, a.entity_id, a.reason, a.before_json, a.after_json
FROM audit_log a
WHERE a.event_id = ?1
  AND (a.at < ?2 OR (a.at = ?2 AND (5 < ?3 OR (5 = ?3 AND a.id < ?4))))
ORDER BY a.at DESC, a.id DESC LIMIT ?5
)sql";

// --- helpers ----------------------------------------------------------------------------

Instant instant_of(const Statement& stmt, int column) {
    const auto text = stmt.text(column);
    if (auto parsed = domain::parse_utc(text)) return *parsed;
    throw SqliteError(0, "malformed instant in database: " + text);
}

std::optional<std::string> optional_utc(const std::optional<Instant>& instant) {
    if (!instant) return std::nullopt;
    return domain::format_utc(*instant);
}

json zoned(const std::optional<Instant>& instant, const std::string& zone) {
    return instant ? json(domain::format_in_zone(*instant, zone)) : json(nullptr);
}

json event_state(const domain::Event& e) {
    json eligibility = nullptr;
    if (e.eligibility.restricted()) eligibility = {{"dues_paid_years", e.eligibility.dues_paid_years}};
    return {{"slug", e.slug},
            {"title", e.title},
            {"kind", domain::to_string(e.kind)},
            {"description", e.description},
            {"timezone", e.timezone},
            {"starts_at", domain::format_in_zone(e.starts_at, e.timezone)},
            {"ends_at", domain::format_in_zone(e.ends_at, e.timezone)},
            {"venue_id", e.venue ? json(e.venue->id) : json(nullptr)},
            {"capacity", e.capacity},
            {"registration_opens_at", zoned(e.registration_opens_at, e.timezone)},
            {"registration_closes_at", zoned(e.registration_closes_at, e.timezone)},
            {"waitlist_enabled", e.waitlist_enabled},
            {"promote_after_close", e.promote_after_close},
            {"eligibility", std::move(eligibility)}};
}

Id single_id(Connection& conn, std::string_view sql, Id param) {
    auto stmt = conn.cached(sql);
    stmt.bind(1, param);
    stmt.step();
    return stmt.int64(0);
}

std::vector<domain::Booking> scheduled_sessions(Connection& conn, Id event_id) {
    auto stmt = conn.cached(select_scheduled_sessions);
    stmt.bind(1, event_id);
    std::vector<domain::Booking> out;
    while (stmt.step()) out.push_back({stmt.int64(0), stmt.text(1), instant_of(stmt, 2), instant_of(stmt, 3)});
    return out;
}

SessionSnapshot require_session_of_event(Connection& conn, Id event_id, Id session_id) {
    auto s = load_session_snapshot(conn, session_id);
    if (!s || s->event_id != event_id)
        throw domain::NotFound("session_not_found", "There is no session " + std::to_string(session_id) + " in this event.");
    return std::move(*s);
}

// --- registrations helpers ----------------------------------------------------------------

struct RegistrationKey {
    std::string code;
    RegistrationStatus status = RegistrationStatus::confirmed;
};

RegistrationKey require_registration_of_event(Connection& conn, Id event_id, Id registration_id) {
    auto stmt = conn.cached(select_registration_of_event);
    stmt.bind(1, event_id).bind(2, registration_id);
    if (!stmt.step())
        throw domain::NotFound("registration_not_found",
                               "There is no registration " + std::to_string(registration_id) + " for this event.");
    return {stmt.text(0), domain::parse_registration_status(stmt.text(1)).value_or(RegistrationStatus::cancelled)};
}

// A registration as the audit log records it.
json registration_state(Connection& conn, const std::string& code) {
    const auto view = load_registration(conn, code);
    if (!view) return nullptr;
    json sessions = json::array();
    for (const auto& e : view->sessions)
        sessions.push_back({{"session_id", e.session_id},
                            {"title", e.title},
                            {"status", domain::to_string(e.status)},
                            {"waitlist_position", e.waitlist_position ? json(*e.waitlist_position) : json(nullptr)}});
    return {{"name", view->name},
            {"email", view->email},
            {"status", domain::to_string(view->status)},
            {"waitlist_position", view->waitlist_position ? json(*view->waitlist_position) : json(nullptr)},
            {"sessions", std::move(sessions)}};
}

RegistrationRow read_registration_row(const Statement& row) {
    RegistrationRow r;
    r.id = row.int64(0);
    r.name = row.text(1);
    r.email = row.text(2);
    r.organisation = row.optional_text(3);
    r.member_organisation_id = row.optional_int64(4);
    r.member_organisation = row.optional_text(5);
    r.member = row.int64(6) != 0;
    r.language = row.optional_text(7);
    r.status = domain::parse_registration_status(row.text(8)).value_or(RegistrationStatus::cancelled);
    if (!row.is_null(9)) r.waitlist_position = row.int32(9);
    r.created_at = instant_of(row, 10);
    r.updated_at = instant_of(row, 11);
    r.sessions = row.int32(12);
    r.registration_status = domain::parse_registration_status(row.text(13)).value_or(RegistrationStatus::cancelled);
    return r;
}

std::optional<std::string> like_pattern(const std::string& search) {
    if (search.empty()) return std::nullopt;
    std::string pattern = "%";
    for (const char c : search) {
        if (c == '%' || c == '_' || c == '\\') pattern += '\\';
        pattern += c;
    }
    pattern += '%';
    return pattern;
}

// The full-text query for a search: each word typed, as a prefix ("mart" finds Martínez),
// all of them required. Words are split at ASCII punctuation and spaces; the index folds
// case and accents. Empty when the search has no word.
std::string search_words(const std::string& search) {
    std::string query, word;
    auto flush = [&] {
        if (word.empty()) return;
        if (!query.empty()) query += ' ';
        query += '"' + word + "\"*";
        word.clear();
    };
    for (const char c : search) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x80 || std::isalnum(byte)) word += c;
        else flush();
    }
    flush();
    return query;
}

// The event's list for these filters. `by_set`: a search or an organisation with few rows
// picks them through its own index, then sorts them (`+` keeps SQLite from walking the
// whole event in the list's order instead); with many rows, walking the list's order and
// keeping the matches finds a page sooner. Unset filters are left out of the SQL, so that
// the status is part of the index the list walks.
std::string event_list_sql(const RegistrationQuery& q, bool words, bool count, bool by_set) {
    std::string sql = count ? "SELECT count(*) " : "SELECT " + std::string(registration_columns) + std::string(event_list_extra);
    sql += event_list_from;
    sql += by_set ? "WHERE +r.event_id = ?1" : "WHERE r.event_id = ?1";
    if (q.status) sql += " AND r.status = ?2";
    if (!q.search.empty()) sql += words ? event_list_search : event_list_search_scan;
    if (q.organisation) sql += event_list_organisation;
    if (q.member) sql += " AND coalesce(o.is_member, 0) = ?5";
    if (count) return sql;
    const std::string plus = by_set ? "+" : "";
    if (q.order == RegistrationQuery::Order::name) {
        if (q.after)
            sql += " AND r.name COLLATE NOCASE >= ?10 AND (r.name COLLATE NOCASE > ?10 OR r.id > ?11)";
        sql += " ORDER BY " + plus + "r.name COLLATE NOCASE, " + plus + "r.id";
    } else {
        if (q.after) sql += " AND (r.created_at, r.id) > (?10, ?11)";
        sql += " ORDER BY " + plus + "r.created_at, " + plus + "r.id";
    }
    return sql + " LIMIT ?7 OFFSET ?8";
}

// The parameters of event_list_sql(), which leaves unset filters out.
void bind_event_list(Statement& stmt, Id event_id, const RegistrationQuery& q) {
    stmt.bind(1, event_id);
    if (q.status) stmt.bind(2, domain::to_string(*q.status));
    if (!q.search.empty()) stmt.bind(3, like_pattern(q.search));
    if (q.organisation) stmt.bind(4, *q.organisation);
    if (q.member) stmt.bind(5, *q.member ? 1 : 0);
}

void bind_filters(Statement& stmt, Id event_id, const RegistrationQuery& q, bool with_session) {
    stmt.bind(1, event_id);
    if (q.status) stmt.bind(2, domain::to_string(*q.status));
    else stmt.bind_null(2);
    stmt.bind(3, like_pattern(q.search));
    stmt.bind(4, q.organisation);
    if (q.member) stmt.bind(5, *q.member ? 1 : 0);
    else stmt.bind_null(5);
    if (with_session) stmt.bind(6, q.session_id);
}

// A session's list (the event's is event_list_sql()).
const std::string& session_list_sql(RegistrationQuery::Order order) {
    static const std::string by_created = "SELECT " + std::string(registration_columns) +
                                          std::string(session_enrolments_extra) + std::string(session_enrolments_from) +
                                          std::string(registration_filters) + std::string(order_session_created);
    static const std::string by_name = "SELECT " + std::string(registration_columns) +
                                       std::string(session_enrolments_extra) + std::string(session_enrolments_from) +
                                       std::string(registration_filters) + std::string(order_session_name);
    return order == RegistrationQuery::Order::name ? by_name : by_created;
}

const std::string& session_count_sql() {
    static const std::string sql = "SELECT count(*) " + std::string(session_enrolments_from) + std::string(registration_filters);
    return sql;
}

const std::string& enrolments_sql() {
    static const std::string sql = "SELECT " + std::string(registration_columns) + std::string(enrolments_export_extra) +
                                   std::string(enrolments_export_from) + std::string(registration_filters) +
                                   std::string(enrolments_export_order);
    return sql;
}

// Raises the session's capacity so that one more delegate is confirmed, never above its room.
void make_room_in_session(Connection& conn, ChangeSet& changes, const SessionSnapshot& session, const AuditContext& context,
                          Instant now) {
    const int confirmed = confirmed_in_session(conn, session.id);
    if (confirmed < session.capacity) return;
    const int raised = confirmed + 1;
    if (session.room && raised > session.room->capacity)
        throw domain::Refusal("capacity_above_room", "The session cannot take one more: " + session.room->name + " has " +
                                                         std::to_string(session.room->capacity) + " places.");
    conn.cached(update_session_capacity_only).bind(1, session.id).bind(2, raised).run();
    changes.events.insert(session.event_id);
    append_audit_change(conn, context, "session.capacity", "session", session.id, session.event_id, {{"capacity",
                        session.capacity}},
          {{"capacity", raised}}, now);
}

void confirm_enrolment(Connection& conn, Id enrolment_id, Instant now) {
    conn.cached(promote_enrolment_row).bind(1, enrolment_id).bind(2, domain::format_utc(now)).run();
}

struct ActiveEnrolment {
    Id id = 0;
    RegistrationStatus status = RegistrationStatus::confirmed;
};

std::optional<ActiveEnrolment> active_enrolment(Connection& conn, Id registration_id, Id session_id) {
    auto stmt = conn.cached(select_active_enrolment);
    stmt.bind(1, registration_id).bind(2, session_id);
    if (!stmt.step()) return std::nullopt;
    return ActiveEnrolment{stmt.int64(0), domain::parse_registration_status(stmt.text(1)).value_or(RegistrationStatus::cancelled)};
}

}  // namespace

// --- events -----------------------------------------------------------------------------

Id create_event(Connection& conn, ChangeSet& changes, const EventInput& input, const AuditContext& context, Instant now) {
    const auto require = [](const auto& field, const char* name) {
        if (!field) throw domain::InvalidField(name, std::string(name) + " is required.");
    };
    require(input.slug, "slug");
    require(input.title, "title");
    require(input.kind, "kind");
    require(input.timezone, "timezone");
    require(input.starts_at, "starts_at");
    require(input.ends_at, "ends_at");
    require(input.capacity, "capacity");
    const auto& zone = *input.timezone;
    if (!domain::is_valid_timezone(zone))
        throw domain::InvalidField("timezone", "\"" + zone + "\" is not an IANA time zone (e.g. Europe/Madrid).");

    domain::EventPlan plan;
    plan.timezone = zone;
    plan.starts_at = domain::organiser_instant(*input.starts_at, zone, "starts_at");
    plan.ends_at = domain::organiser_instant(*input.ends_at, zone, "ends_at");
    if (input.registration_opens_at && *input.registration_opens_at)
        plan.registration_opens_at = domain::organiser_instant(**input.registration_opens_at, zone, "registration_opens_at");
    if (input.registration_closes_at && *input.registration_closes_at)
        plan.registration_closes_at =
            domain::organiser_instant(**input.registration_closes_at, zone, "registration_closes_at");
    plan.capacity = *input.capacity;
    plan.dues_paid_years = input.dues_paid_years.value_or(std::vector<int>{});
    domain::check_event_plan(plan);

    {
        auto taken = conn.cached(select_event_by_slug);
        taken.bind(1, *input.slug);
        if (taken.step()) throw domain::Refusal("slug_taken", "Another event already uses the address \"" + *input.slug + "\".");
    }
    std::optional<Id> venue_id;
    if (input.new_venue) {
        conn.cached(insert_venue)
            .bind(1, input.new_venue->name)
            .bind(2, input.new_venue->address)
            .bind(3, input.new_venue->city)
            .bind(4, input.new_venue->country)
            .bind(5, zone)
            .run();
        venue_id = conn.last_insert_rowid();
    } else if (input.venue_id && *input.venue_id) {
        auto exists = conn.cached(select_venue_exists);
        exists.bind(1, **input.venue_id);
        if (!exists.step()) throw domain::InvalidField("venue_id", "There is no such venue.");
        venue_id = **input.venue_id;
    }
    std::optional<std::string> eligibility;
    if (!plan.dues_paid_years.empty()) eligibility = json{{"dues_paid_years", plan.dues_paid_years}}.dump();

    conn.cached(insert_event)
        .bind(1, *input.slug)
        .bind(2, *input.title)
        .bind(3, domain::to_string(*input.kind))
        .bind(4, input.description.value_or(""))
        .bind(5, zone)
        .bind(6, venue_id)
        .bind(7, domain::format_utc(plan.starts_at))
        .bind(8, domain::format_utc(plan.ends_at))
        .bind(9, plan.capacity)
        .bind(10, optional_utc(plan.registration_opens_at))
        .bind(11, optional_utc(plan.registration_closes_at))
        .bind(12, input.waitlist_enabled.value_or(true))
        .bind(13, eligibility)
        .bind(14, input.promote_after_close.value_or(false))
        .run();
    const Id id = conn.last_insert_rowid();
    changes.events.insert(id);
    append_audit_change(conn, context, "event.create", "event", id, id, nullptr, event_state(require_event(conn, id)),
                        now);
    return id;
}

void update_event(Connection& conn, ChangeSet& changes, Id event_id, const EventInput& input, const AuditContext& context,
                  Instant now) {
    const auto before = require_event(conn, event_id);
    const std::string zone = input.timezone.value_or(before.timezone);
    const bool zone_changed = zone != before.timezone;
    if (zone_changed) {
        if (!domain::is_valid_timezone(zone))
            throw domain::InvalidField("timezone", "\"" + zone + "\" is not an IANA time zone (e.g. Europe/Madrid).");
        if (single_id(conn, count_event_sessions, event_id) > 0)
            throw domain::Refusal("timezone_locked",
                                  "The time zone cannot change once the event has sessions: their times were entered "
                                  "in " + before.timezone + ".");
    }
    // A time not named keeps its wall-clock reading, in the new zone if it changed.
    const auto instant = [&](const std::optional<domain::LocalTime>& given, Instant current, const char* field) {
        if (given) return domain::organiser_instant(*given, zone, field);
        if (!zone_changed) return current;
        return domain::organiser_instant(domain::to_local(current, before.timezone), zone, field);
    };
    const auto optional_instant = [&](const std::optional<std::optional<domain::LocalTime>>& given,
                                      const std::optional<Instant>& current, const char* field) -> std::optional<Instant> {
        if (given) return *given ? std::optional<Instant>(domain::organiser_instant(**given, zone, field)) : std::nullopt;
        if (!current) return std::nullopt;
        return instant(std::nullopt, *current, field);
    };

    domain::EventPlan plan;
    plan.timezone = zone;
    plan.starts_at = instant(input.starts_at, before.starts_at, "starts_at");
    plan.ends_at = instant(input.ends_at, before.ends_at, "ends_at");
    plan.registration_opens_at = optional_instant(input.registration_opens_at, before.registration_opens_at, "registration_opens_at");
    plan.registration_closes_at =
        optional_instant(input.registration_closes_at, before.registration_closes_at, "registration_closes_at");
    plan.capacity = input.capacity.value_or(before.capacity);
    plan.dues_paid_years = input.dues_paid_years.value_or(before.eligibility.dues_paid_years);
    domain::check_event_plan(plan);
    if (input.capacity && *input.capacity != before.capacity)
        domain::check_capacity_not_below_confirmed(plan.capacity, before.confirmed, "this event");
    if (plan.starts_at != before.starts_at || plan.ends_at != before.ends_at)
        domain::check_sessions_within(scheduled_sessions(conn, event_id), plan.starts_at, plan.ends_at);

    const std::string slug = input.slug.value_or(before.slug);
    if (slug != before.slug) {
        auto taken = conn.cached(select_event_by_slug);
        taken.bind(1, slug);
        if (taken.step()) throw domain::Refusal("slug_taken", "Another event already uses the address \"" + slug + "\".");
    }
    std::optional<Id> venue_id;
    if (before.venue) venue_id = before.venue->id;
    if (input.new_venue) {
        conn.cached(insert_venue)
            .bind(1, input.new_venue->name)
            .bind(2, input.new_venue->address)
            .bind(3, input.new_venue->city)
            .bind(4, input.new_venue->country)
            .bind(5, zone)
            .run();
        venue_id = conn.last_insert_rowid();
    } else if (input.venue_id) {
        venue_id = *input.venue_id;
        if (venue_id) {
            auto exists = conn.cached(select_venue_exists);
            exists.bind(1, *venue_id);
            if (!exists.step()) throw domain::InvalidField("venue_id", "There is no such venue.");
        }
    }
    std::optional<std::string> eligibility;
    if (!plan.dues_paid_years.empty()) eligibility = json{{"dues_paid_years", plan.dues_paid_years}}.dump();

    conn.cached(update_event_row)
        .bind(1, event_id)
        .bind(2, slug)
        .bind(3, input.title.value_or(before.title))
        .bind(4, domain::to_string(input.kind.value_or(before.kind)))
        .bind(5, input.description.value_or(before.description))
        .bind(6, zone)
        .bind(7, venue_id)
        .bind(8, domain::format_utc(plan.starts_at))
        .bind(9, domain::format_utc(plan.ends_at))
        .bind(10, plan.capacity)
        .bind(11, optional_utc(plan.registration_opens_at))
        .bind(12, optional_utc(plan.registration_closes_at))
        .bind(13, input.waitlist_enabled.value_or(before.waitlist_enabled))
        .bind(14, eligibility)
        .bind(15, input.promote_after_close.value_or(before.promote_after_close))
        .run();
    changes.events.insert(event_id);
    // More places, a longer window or late promotion allowed: the waiting list moves up.
    promote_event_waitlist(conn, changes, event_id, now);
    const auto before_state = event_state(before);
    auto after_state = event_state(require_event(conn, event_id));
    if (after_state != before_state)
        append_audit_change(conn, context, "event.update", "event", event_id, event_id, before_state, after_state, now);
}

// --- tracks -----------------------------------------------------------------------------

Id create_track(Connection& conn, ChangeSet& changes, Id event_id, const TrackInput& input, const AuditContext& context,
                Instant now) {
    require_event(conn, event_id);
    if (!input.name) throw domain::InvalidField("name", "name is required.");
    const int position = input.position.value_or(static_cast<int>(single_id(conn, next_track_position, event_id)));
    conn.cached(insert_track).bind(1, event_id).bind(2, *input.name).bind(3, input.description.value_or("")).bind(4, position).run();
    const Id id = conn.last_insert_rowid();
    changes.events.insert(event_id);
    append_audit_change(conn, context, "track.create", "track", id, event_id, nullptr,
          {{"name", *input.name}, {"description", input.description.value_or("")}, {"position", position}}, now);
    return id;
}

void update_track(Connection& conn, ChangeSet& changes, Id event_id, Id track_id, const TrackInput& input,
                  const AuditContext& context, Instant now) {
    auto stmt = conn.cached(select_track);
    stmt.bind(1, event_id).bind(2, track_id);
    if (!stmt.step()) throw domain::NotFound("track_not_found", "There is no track " + std::to_string(track_id) + " in this event.");
    const json before = {{"name", stmt.text(1)}, {"description", stmt.text(2)}, {"position", stmt.int32(3)}};
    const json after = {{"name", input.name.value_or(stmt.text(1))},
                        {"description", input.description.value_or(stmt.text(2))},
                        {"position", input.position.value_or(stmt.int32(3))}};
    stmt.reset();
    conn.cached(update_track_row)
        .bind(1, track_id)
        .bind(2, after["name"].get<std::string>())
        .bind(3, after["description"].get<std::string>())
        .bind(4, after["position"].get<int>())
        .run();
    changes.events.insert(event_id);
    append_audit_change(conn, context, "track.update", "track", track_id, event_id, before, after, now);
}

// --- rooms ------------------------------------------------------------------------------

Id create_room(Connection& conn, ChangeSet& changes, Id event_id, const RoomInput& input, const AuditContext& context,
               Instant now) {
    require_event(conn, event_id);
    if (!input.name) throw domain::InvalidField("name", "name is required.");
    if (!input.capacity) throw domain::InvalidField("capacity", "capacity is required.");
    domain::check_room_capacity(*input.capacity, {});
    std::optional<Id> venue;
    {
        auto stmt = conn.cached(select_event_venue);
        stmt.bind(1, event_id);
        if (stmt.step()) venue = stmt.optional_int64(0);
    }
    if (!venue)
        throw domain::Refusal("event_has_no_venue", "Give the event a venue before adding rooms: rooms belong to a venue.");
    const std::string floor = input.floor.value_or("");
    const json equipment = input.equipment.value_or(std::vector<std::string>{});
    conn.cached(insert_room)
        .bind(1, *venue)
        .bind(2, *input.name)
        .bind(3, *input.capacity)
        .bind(4, floor)
        .bind(5, equipment.dump())
        .run();
    const Id id = conn.last_insert_rowid();
    changes.events.insert(event_id);
    append_audit_change(conn, context, "room.create", "room", id, event_id, nullptr,
          {{"name", *input.name},
           {"capacity", *input.capacity},
           {"venue_id", *venue},
           {"floor", floor},
           {"equipment", equipment}},
          now);
    return id;
}

void update_room(Connection& conn, ChangeSet& changes, Id event_id, Id room_id, const RoomInput& input,
                 const std::function<bool(Id)>& may_organise, const AuditContext& context, Instant now) {
    const auto room = room_of_event(conn, event_id, room_id);
    if (!room) throw domain::NotFound("room_not_found", "There is no room " + std::to_string(room_id) + " at this event.");
    std::vector<Id> events;
    {
        auto stmt = conn.cached(select_room_events);
        stmt.bind(1, room_id);
        while (stmt.step()) events.push_back(stmt.int64(0));
    }
    for (const auto other : events)
        if (other != event_id && !may_organise(other))
            throw domain::Refusal("room_shared", "Sessions of another event use " + room->name +
                                                     ": only someone who organises that event too may change it.");
    const int capacity = input.capacity.value_or(room->capacity);
    if (input.capacity) {
        std::vector<domain::RoomUse> uses;
        auto stmt = conn.cached(select_room_uses);
        stmt.bind(1, room_id);
        while (stmt.step()) uses.push_back({stmt.int64(0), stmt.text(1), stmt.int32(2)});
        domain::check_room_capacity(capacity, uses);
    }
    const std::string name = input.name.value_or(room->name);
    std::string floor_before;
    json equipment_before = json::array();
    {
        auto stmt = conn.cached(select_room_details);
        stmt.bind(1, room_id);
        if (stmt.step()) {
            floor_before = stmt.text(0);
            equipment_before = json::parse(stmt.text(1), nullptr, false);
            if (!equipment_before.is_array()) equipment_before = json::array();
        }
    }
    const std::string floor = input.floor.value_or(floor_before);
    const json equipment = input.equipment ? json(*input.equipment) : equipment_before;
    conn.cached(update_room_row)
        .bind(1, room_id)
        .bind(2, name)
        .bind(3, capacity)
        .bind(4, floor)
        .bind(5, equipment.dump())
        .run();
    changes.events.insert(event_id);
    for (const auto other : events) changes.events.insert(other);
    append_audit_change(conn, context, "room.update", "room", room_id, event_id,
          {{"name", room->name}, {"capacity", room->capacity}, {"floor", floor_before}, {"equipment", equipment_before}},
          {{"name", name}, {"capacity", capacity}, {"floor", floor}, {"equipment", equipment}}, now);
}

// --- sessions ---------------------------------------------------------------------------

std::vector<VenueRow> list_venues(Connection& conn) {
    auto stmt = conn.cached(select_venues);
    std::vector<VenueRow> out;
    while (stmt.step()) out.push_back({stmt.int64(0), stmt.text(1), stmt.text(2), stmt.text(3), stmt.text(4)});
    return out;
}

// --- registrations: reads -------------------------------------------------------------

namespace {

// The page's unfiltered counts by status (`by_status`: of the event or of a session, keyed
// by `id`) and the organisations of the event, for the filter.
void add_counts_and_organisations(Connection& conn, std::string_view by_status, Id id, Id event_id,
                                  RegistrationPage& page) {
    auto counts = conn.cached(by_status);
    counts.bind(1, id);
    while (counts.step()) {
        const auto status = domain::parse_registration_status(counts.text(0));
        if (status == RegistrationStatus::confirmed) page.confirmed = counts.int32(1);
        else if (status == RegistrationStatus::waitlisted) page.waitlisted = counts.int32(1);
        else if (status == RegistrationStatus::cancelled) page.cancelled = counts.int32(1);
    }
    counts.reset();
    auto organisations = conn.cached(select_event_organisations);
    organisations.bind(1, event_id);
    while (organisations.step()) page.organisations.push_back(organisations.text(0));
    organisations.reset();
}

// Numbers the page's waitlisted rows by their place on the event's waiting list, reading
// the list in order only as far as the last of them.
void number_waitlisted(Connection& conn, Id event_id, std::vector<RegistrationRow>& rows) {
    std::unordered_map<Id, RegistrationRow*> waiting;
    for (auto& row : rows)
        if (row.status == RegistrationStatus::waitlisted) waiting.emplace(row.id, &row);
    if (waiting.empty()) return;
    auto stmt = conn.cached(select_waitlist_order);
    stmt.bind(1, event_id);
    int position = 0;
    while (!waiting.empty() && stmt.step()) {
        ++position;
        if (const auto found = waiting.find(stmt.int64(0)); found != waiting.end()) {
            found->second->waitlist_position = position;
            waiting.erase(found);
        }
    }
    stmt.reset();
}

// A numbered page deep down a list that walks one index (no search, organisation or member
// filter): the row before it is found by counting along that index alone, which holds every
// column it needs, and the page is then read by keyset from there. With OFFSET the list
// would read, join and drop every row it skips (200 ms at 900,000 of a million). Returns
// false when the page starts past the end. Other lists keep OFFSET.
long long count_full_text(Connection& conn, const std::string& match) {
    auto count = conn.cached(count_search_matches);
    count.bind(1, match);
    count.step();
    const auto n = count.int64(0);
    count.reset();
    return n;
}

// How many of the event's registrations the full-text query `match` finds. The index holds
// every event's; "in this event" is one more term, whose list of rows is as long as the
// event (a million entries to read for a large one). When the other events have fewer
// registrations, every match is counted and theirs taken away, which reads their lists
// instead; with no other event, nothing is taken away.
// `match` becomes the query the list uses: with the event's term when the other events'
// matches would be many to read and drop.
long long count_matches_in_event(Connection& conn, Id event_id, std::string& match) {
    long long own = 0;
    long long others_total = 0;
    std::string others;
    int other_events = 0;
    {
        auto stmt = conn.cached(select_registrations_per_event);
        while (stmt.step()) {
            const auto n = stmt.int64(1);
            if (stmt.int64(0) == event_id) {
                own = n;
                continue;
            }
            others_total += n;
            if (++other_events > 100) continue;
            if (!others.empty()) others += " OR ";
            others += "event:\"e" + std::to_string(stmt.int64(0)) + "\"";
        }
    }
    const auto in_event = "event:\"e" + std::to_string(event_id) + "\" AND " + match;
    if (other_events == 0) return count_full_text(conn, match);
    if (others_total < own && other_events <= 100)
        return count_full_text(conn, match) - count_full_text(conn, "(" + others + ") AND " + match);
    match = in_event;
    return count_full_text(conn, match);
}

bool seek_numbered_page(Connection& conn, Id event_id, RegistrationQuery& query) {
    if (query.after || query.page <= 1 || query.per_page <= 0 || !query.search.empty() || query.organisation ||
        query.member)
        return true;
    const bool by_name = query.order == RegistrationQuery::Order::name;
    if (by_name && query.status) return true;  // the name index does not hold the status
    auto stmt = conn.cached(by_name ? page_start_by_name : query.status ? page_start_by_status : page_start_created);
    stmt.bind(1, event_id);
    stmt.bind(2, static_cast<std::int64_t>(query.page - 1) * query.per_page - 1);
    if (query.status) stmt.bind(3, domain::to_string(*query.status));
    if (!stmt.step()) return false;
    query.after = stmt.int64(0);
    return true;
}

RegistrationPage list_event_registrations(Connection& conn, Id event_id, RegistrationQuery query) {
    const bool rows_wanted = seek_numbered_page(conn, event_id, query);
    // A search: its matches in this event, counted in the full-text index alone, and whether
    // the text is also in a member organisation's name (whose registrations match too).
    const auto words = search_words(query.search);
    std::string match;
    long long matches = -1;
    bool organisation_named = false;
    if (!words.empty()) {
        // The list keeps only this event's rows itself: its full-text query needs the event
        // only when other events' matches would be many (see count_matches_in_event).
        match = "{name email organisation}:(" + words + ")";
        matches = count_matches_in_event(conn, event_id, match);
        auto named = conn.cached(select_organisation_named);
        named.bind(1, like_pattern(query.search));
        organisation_named = named.step();
        named.reset();
    }
    // Rows the filters let through, from the kept tallies when there is no search.
    long long filtered = -1;
    if (query.search.empty()) {
        auto stmt = conn.cached(count_event_filtered);
        bind_filters(stmt, event_id, query, false);
        stmt.step();
        filtered = stmt.int64(0);
        stmt.reset();
    }
    const bool few = query.search.empty() ? filtered <= few_rows : (!organisation_named && matches <= few_rows);
    const bool by_set = (!query.search.empty() || query.organisation) && few;

    RegistrationPage page;
    if (rows_wanted) {
        auto stmt = conn.prepare(event_list_sql(query, !words.empty(), false, by_set));
        bind_event_list(stmt, event_id, query);
        const int per_page = query.per_page <= 0 ? -1 : query.per_page;
        stmt.bind(7, per_page);
        stmt.bind(8, per_page < 0 || query.after ? 0 : static_cast<std::int64_t>(std::max(query.page, 1) - 1) * per_page);
        if (!words.empty()) stmt.bind(9, match);
        if (query.after) {
            auto cursor = conn.cached(query.order == RegistrationQuery::Order::name ? select_cursor_name : select_cursor_created);
            cursor.bind(1, *query.after).bind(2, event_id);
            if (!cursor.step()) throw domain::InvalidField("after", "after must be the id of one of the event's registrations.");
            stmt.bind(10, cursor.text(0)).bind(11, cursor.int64(1));
            cursor.reset();
        }
        while (stmt.step()) page.rows.push_back(read_registration_row(stmt));
        if (per_page > 0 && static_cast<int>(page.rows.size()) == per_page) page.next_after = page.rows.back().id;
    }
    number_waitlisted(conn, event_id, page.rows);
    if (!query.with_totals) return page;
    if (query.search.empty()) {
        page.total = static_cast<int>(filtered);
    } else if (!words.empty() && !organisation_named && !query.status && !query.organisation && !query.member) {
        page.total = static_cast<int>(matches);
    } else {
        auto stmt = conn.prepare(event_list_sql(query, !words.empty(), true, few));
        bind_event_list(stmt, event_id, query);
        if (!words.empty()) stmt.bind(9, match);
        stmt.step();
        page.total = stmt.int32(0);
    }
    add_counts_and_organisations(conn, count_event_by_status, event_id, event_id, page);
    return page;
}

}  // namespace

RegistrationPage list_registrations(Connection& conn, Id event_id, const RegistrationQuery& query) {
    require_event(conn, event_id);
    const bool per_session = query.session_id.has_value();
    if (!per_session) return list_event_registrations(conn, event_id, query);
    if (!session_in_event(conn, event_id, *query.session_id))
        throw domain::NotFound("session_not_found", "There is no session " + std::to_string(*query.session_id) + " in this event.");
    if (query.after) throw domain::InvalidField("after", "after pages the event's list; a session's list is paged with page.");

    // A session's enrolments: as many as its room holds, read as they are.
    RegistrationPage page;
    {
        auto stmt = conn.prepare(session_list_sql(query.order));
        bind_filters(stmt, event_id, query, per_session);
        const int per_page = query.per_page <= 0 ? -1 : query.per_page;
        stmt.bind(7, per_page);
        stmt.bind(8, per_page < 0 ? 0 : static_cast<std::int64_t>(std::max(query.page, 1) - 1) * per_page);
        while (stmt.step()) page.rows.push_back(read_registration_row(stmt));
    }
    if (!query.with_totals) return page;
    {
        auto stmt = conn.prepare(session_count_sql());
        bind_filters(stmt, event_id, query, per_session);
        stmt.step();
        page.total = stmt.int32(0);
    }
    add_counts_and_organisations(conn, count_session_by_status, *query.session_id, event_id, page);
    return page;
}

std::vector<EnrolmentRow> list_enrolments(Connection& conn, Id event_id, const RegistrationQuery& query) {
    require_event(conn, event_id);
    if (query.session_id && !session_in_event(conn, event_id, *query.session_id))
        throw domain::NotFound("session_not_found", "There is no session " + std::to_string(*query.session_id) + " in this event.");
    auto stmt = conn.prepare(enrolments_sql());
    bind_filters(stmt, event_id, query, true);
    std::vector<EnrolmentRow> out;
    while (stmt.step()) {
        EnrolmentRow row;
        row.registration = read_registration_row(stmt);
        row.session_id = stmt.int64(14);
        row.session_title = stmt.text(15);
        row.session_starts_at = instant_of(stmt, 16);
        row.room = stmt.optional_text(17);
        row.status = domain::parse_registration_status(stmt.text(18)).value_or(RegistrationStatus::cancelled);
        if (!stmt.is_null(19)) row.waitlist_position = stmt.int32(19);
        row.enrolled_at = instant_of(stmt, 20);
        out.push_back(std::move(row));
    }
    return out;
}

long long count_enrolments(Connection& conn, Id event_id, const RegistrationQuery& query) {
    const bool kept = query.search.empty() && !query.organisation && !query.member &&
                      query.status != RegistrationStatus::cancelled;
    static const std::string counted = "SELECT count(*) " + std::string(enrolments_export_from) + std::string(registration_filters);
    auto stmt = kept ? conn.cached(count_enrolments_kept) : conn.prepare(counted);
    bind_filters(stmt, event_id, query, true);
    stmt.step();
    const auto n = stmt.int64(0);
    stmt.reset();
    return n;
}

std::vector<Id> session_ids_in_order(Connection& conn, Id event_id) {
    auto stmt = conn.cached(select_session_ids_in_order);
    stmt.bind(1, event_id);
    std::vector<Id> out;
    while (stmt.step()) out.push_back(stmt.int64(0));
    stmt.reset();
    return out;
}

RegistrationRow load_registration_row(Connection& conn, Id event_id, Id registration_id) {
    require_registration_of_event(conn, event_id, registration_id);
    // The list's own query, narrowed to this one row: the same columns and positions.
    static const std::string sql = "SELECT " + std::string(registration_columns) + std::string(event_registrations_extra) +
                                   std::string(event_registrations_from) + " AND r.id = ?9" + std::string(registration_filters) +
                                   std::string(order_event_created);
    auto stmt = conn.prepare(sql);
    bind_filters(stmt, event_id, RegistrationQuery{}, false);
    stmt.bind(7, 1).bind(8, 0).bind(9, registration_id);
    if (!stmt.step()) throw domain::NotFound("registration_not_found", "There is no such registration.");
    return read_registration_row(stmt);
}

// --- registrations: manual changes --------------------------------------------------------

RegistrationRow promote_registration(Connection& conn, ChangeSet& changes, Id event_id, Id registration_id,
                                     bool override_capacity, const AuditContext& context, Instant now) {
    const auto key = require_registration_of_event(conn, event_id, registration_id);
    if (key.status != RegistrationStatus::waitlisted)
        throw domain::Refusal("not_waitlisted", "Only a registration on the waiting list can be promoted.");
    const auto before = registration_state(conn, key.code);
    const auto event = require_event(conn, event_id);
    if (event.confirmed >= event.capacity) {
        if (!override_capacity)
            throw domain::Refusal("event_full", "No place is free: " + std::to_string(event.confirmed) + " of " +
                                                    std::to_string(event.capacity) +
                                                    " are confirmed. Raise the capacity to promote anyway.");
        const int raised = event.confirmed + 1;
        conn.cached(update_event_capacity_only).bind(1, event_id).bind(2, raised).run();
        append_audit_change(conn, context, "event.capacity", "event", event_id, event_id, {{"capacity",
                            event.capacity}},
              {{"capacity", raised}}, now);
    }
    conn.cached(promote_registration_row).bind(1, registration_id).bind(2, domain::format_utc(now)).run();
    changes.events.insert(event_id);
    append_audit_change(conn, context, "registration.promote", "registration", registration_id, event_id, before,
          registration_state(conn, key.code), now);
    return load_registration_row(conn, event_id, registration_id);
}

RegistrationRow cancel_registration_by_organiser(Connection& conn, ChangeSet& changes, Id event_id, Id registration_id,
                                                 const AuditContext& context, Instant now) {
    const auto key = require_registration_of_event(conn, event_id, registration_id);
    const auto before = registration_state(conn, key.code);
    cancel_registration(conn, changes, key.code, now);
    append_audit_change(conn, context, "registration.cancel", "registration", registration_id, event_id, before,
          registration_state(conn, key.code), now);
    return load_registration_row(conn, event_id, registration_id);
}

RegistrationRow promote_enrolment(Connection& conn, ChangeSet& changes, Id event_id, Id session_id, Id registration_id,
                                  bool override_capacity, const AuditContext& context, Instant now) {
    const auto session = require_session_of_event(conn, event_id, session_id);
    const auto key = require_registration_of_event(conn, event_id, registration_id);
    const auto enrolment = active_enrolment(conn, registration_id, session_id);
    if (!enrolment) throw domain::NotFound("enrolment_not_found", "This delegate holds no place in this session.");
    if (enrolment->status != RegistrationStatus::waitlisted)
        throw domain::Refusal("not_waitlisted", "Only a place on the session's waiting list can be promoted.");
    if (key.status != RegistrationStatus::confirmed)
        throw domain::Refusal("registration_not_confirmed", "The delegate's registration for the event is not confirmed.");
    if (session.status == domain::SessionStatus::cancelled)
        throw domain::Refusal("session_cancelled", "This session is cancelled.");
    const auto before = registration_state(conn, key.code);
    if (confirmed_in_session(conn, session_id) >= session.capacity) {
        if (!override_capacity)
            throw domain::Refusal("session_full", "No place is free in this session. Raise its capacity to promote anyway.");
        make_room_in_session(conn, changes, session, context, now);
    }
    confirm_enrolment(conn, enrolment->id, now);
    changes.events.insert(event_id);
    append_audit_change(conn, context, "enrolment.promote", "registration", registration_id, event_id, before,
          registration_state(conn, key.code), now);
    return load_registration_row(conn, event_id, registration_id);
}

RegistrationRow cancel_enrolment(Connection& conn, ChangeSet& changes, Id event_id, Id session_id, Id registration_id,
                                 const AuditContext& context, Instant now) {
    require_session_of_event(conn, event_id, session_id);
    const auto key = require_registration_of_event(conn, event_id, registration_id);
    const auto before = registration_state(conn, key.code);
    leave_session(conn, changes, key.code, session_id, now);
    append_audit_change(conn, context, "enrolment.cancel", "registration", registration_id, event_id, before,
          registration_state(conn, key.code), now);
    return load_registration_row(conn, event_id, registration_id);
}

RegistrationRow move_enrolment(Connection& conn, ChangeSet& changes, Id event_id, Id from_session_id, Id registration_id,
                               Id to_session_id, bool override_capacity, const AuditContext& context, Instant now) {
    require_session_of_event(conn, event_id, from_session_id);
    if (!session_in_event(conn, event_id, to_session_id))
        throw domain::InvalidField("to_session_id", "There is no such session in this event.");
    if (to_session_id == from_session_id)
        throw domain::InvalidField("to_session_id", "Choose a session other than the one the delegate holds.");
    const auto key = require_registration_of_event(conn, event_id, registration_id);
    const auto before = registration_state(conn, key.code);
    leave_session(conn, changes, key.code, from_session_id, now);
    const auto result = enrol(conn, changes, key.code, to_session_id, now);
    if (result.enrolment.status == RegistrationStatus::waitlisted && override_capacity) {
        const auto target = require_session_of_event(conn, event_id, to_session_id);
        make_room_in_session(conn, changes, target, context, now);
        if (const auto enrolment = active_enrolment(conn, result.registration.id, to_session_id))
            confirm_enrolment(conn, enrolment->id, now);
    }
    changes.events.insert(event_id);
    append_audit_change(conn, context, "enrolment.move", "registration", registration_id, event_id, before,
          registration_state(conn, key.code), now);
    return load_registration_row(conn, event_id, registration_id);
}

// --- activity ---------------------------------------------------------------------------

std::vector<ActivityItem> list_activity(Connection& conn, Id event_id, const std::string& before, int limit) {
    require_event(conn, event_id);
    limit = std::clamp(limit, 1, max_activity_page);
    // The cursor: "<at>~<rank>~<id>", the last item seen.
    std::string at = "9999-12-31T23:59:59Z";
    int rank = 99;
    Id id = std::numeric_limits<Id>::max();
    if (!before.empty()) {
        const auto first = before.find('~');
        const auto second = first == std::string::npos ? std::string::npos : before.find('~', first + 1);
        const auto parsed_at = first == std::string::npos ? std::nullopt : domain::parse_utc(before.substr(0, first));
        try {
            if (!parsed_at || second == std::string::npos) throw std::invalid_argument("cursor");
            std::size_t used = 0;
            rank = std::stoi(before.substr(first + 1, second - first - 1), &used);
            const auto id_text = before.substr(second + 1);
            id = std::stoll(id_text, &used);
            if (used != id_text.size()) throw std::invalid_argument("cursor");
        } catch (const std::exception&) {
            throw domain::InvalidField("before", "This is not a cursor from an earlier page.");
        }
        at = domain::format_utc(*parsed_at);
    }

    struct Keyed {
        ActivityItem item;
        int rank;
    };
    std::vector<Keyed> all;
    const auto read = [&](std::string_view sql, int source_rank, auto build) {
        auto stmt = conn.cached(sql);
        stmt.bind(1, event_id).bind(2, at).bind(3, rank).bind(4, id).bind(5, limit);
        while (stmt.step()) {
            ActivityItem item;
            item.id = stmt.int64(0);
            item.at = instant_of(stmt, 1);
            build(stmt, item);
            item.cursor = domain::format_utc(item.at) + "~" + std::to_string(source_rank) + "~" + std::to_string(item.id);
            all.push_back({std::move(item), source_rank});
        }
    };
    const auto registration = [](const char* type) {
        return [type](const Statement& stmt, ActivityItem& item) {
            item.type = type;
            item.data = {{"registration",
                          {{"id", stmt.int64(0)},
                           {"name", stmt.text(2)},
                           {"organisation", stmt.is_null(3) ? json(nullptr) : json(stmt.text(3))},
                           {"status", stmt.text(4)}}}};
        };
    };
    read(activity_registered, 1, registration("registered"));
    read(activity_cancelled, 2, registration("cancelled"));
    read(activity_promoted, 3, registration("promoted"));
    read(activity_schedule, 4, [](const Statement& stmt, ActivityItem& item) {
        item.type = "schedule";
        auto record = json::parse(stmt.text(4), nullptr, false);
        if (record.is_discarded()) record = json::object();
        const auto after = record.value("after", json::object());
        item.data = {{"change", record.value("change", "changed")},
                     {"reason", record.value("reason", "")},
                     {"version", stmt.int32(3)},
                     {"session",
                      {{"id", stmt.is_null(2) ? json(nullptr) : json(stmt.int64(2))},
                       {"title", after.is_object() ? after.value("title", "") : ""}}}};
    });
    read(activity_staff, 5, [](const Statement& stmt, ActivityItem& item) {
        item.type = "staff";
        const auto parse = [&](int column) {
            if (stmt.is_null(column)) return json(nullptr);
            auto value = json::parse(stmt.text(column), nullptr, false);
            return value.is_discarded() ? json(nullptr) : value;
        };
        item.data = {{"actor", stmt.text(2)},
                     {"action", stmt.text(3)},
                     {"entity_type", stmt.text(4)},
                     {"entity_id", stmt.is_null(5) ? json(nullptr) : json(stmt.int64(5))},
                     {"reason", stmt.is_null(6) ? json(nullptr) : json(stmt.text(6))},
                     {"before", parse(7)},
                     {"after", parse(8)}};
    });
    std::sort(all.begin(), all.end(), [](const Keyed& a, const Keyed& b) {
        return std::tie(a.item.at, a.rank, a.item.id) > std::tie(b.item.at, b.rank, b.item.id);
    });
    std::vector<ActivityItem> out;
    for (auto& keyed : all) {
        if (static_cast<int>(out.size()) == limit) break;
        out.push_back(std::move(keyed.item));
    }
    return out;
}

}  // namespace congress::storage
