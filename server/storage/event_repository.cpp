#include "storage/event_repository.hpp"

#include <map>

#include <nlohmann/json.hpp>

#include "domain/registration.hpp"

namespace congress::storage {

namespace {

constexpr std::string_view select_events = R"sql(
SELECT e.id, e.slug, e.title, e.description, e.kind, e.timezone,
       v.id, v.name, v.address, v.city, v.country,
       e.starts_at, e.ends_at, e.capacity, coalesce(c.confirmed, 0), coalesce(c.waitlisted, 0),
       e.registration_opens_at, e.registration_closes_at, e.waitlist_enabled, e.eligibility,
       e.schedule_version, e.promote_after_close, v.map_url
FROM events e
LEFT JOIN venues v ON v.id = e.venue_id
LEFT JOIN seat_counters c ON c.event_id = e.id AND c.session_id = 0
)sql";

const std::string& select_all_events() {
    static const std::string sql = std::string(select_events) + " ORDER BY e.starts_at, e.id";
    return sql;
}

const std::string& select_event_by_id() {
    static const std::string sql = std::string(select_events) + " WHERE e.id = ?1";
    return sql;
}

constexpr std::string_view select_event_seat_count =
    "SELECT confirmed, waitlisted FROM seat_counters WHERE event_id = ?1 AND session_id = 0";

constexpr std::string_view select_event_id_by_slug = "SELECT id FROM events WHERE slug = ?1";

constexpr std::string_view select_tracks = R"sql(
SELECT id, name, description, position FROM tracks WHERE event_id = ?1 ORDER BY position, id
)sql";

// The rooms of the event's venue, and any other room one of its sessions uses.
constexpr std::string_view select_rooms = R"sql(
SELECT r.id, r.name, r.capacity, r.floor, r.equipment FROM rooms r
WHERE r.venue_id = (SELECT venue_id FROM events WHERE id = ?1)
   OR r.id IN (SELECT room_id FROM sessions WHERE event_id = ?1)
ORDER BY r.capacity DESC, r.name, r.id
)sql";

constexpr std::string_view select_sessions = R"sql(
SELECT s.id, s.title, s.description, s.kind, s.track_id, r.id, r.name, r.capacity,
       s.starts_at, s.ends_at, s.capacity, coalesce(c.confirmed, 0), coalesce(c.waitlisted, 0),
       s.status, s.is_demo, r.floor, r.equipment
FROM sessions s
LEFT JOIN rooms r ON r.id = s.room_id
LEFT JOIN seat_counters c ON c.event_id = s.event_id AND c.session_id = s.id
WHERE s.event_id = ?1
ORDER BY s.starts_at, r.name, s.id
)sql";

constexpr std::string_view select_speakers = R"sql(
SELECT ss.session_id, p.id, p.name, coalesce(o.name, '')
FROM session_speakers ss
JOIN sessions s ON s.id = ss.session_id
JOIN people p ON p.id = ss.person_id
LEFT JOIN organisations o ON o.id = p.organisation_id
WHERE s.event_id = ?1
ORDER BY ss.session_id, ss.position, p.name
)sql";

constexpr std::string_view select_venue_notes = R"sql(
SELECT lang, access, accessibility, transport, wifi, catering FROM venue_notes WHERE venue_id = ?1
)sql";

constexpr std::string_view select_all_venue_notes = R"sql(
SELECT venue_id, lang, access, accessibility, transport, wifi, catering FROM venue_notes
)sql";

// rooms.equipment is a JSON array of strings (a CHECK keeps it an array).
std::vector<std::string> equipment_column(const Statement& stmt, int column) {
    std::vector<std::string> items;
    const auto parsed = nlohmann::json::parse(stmt.text(column), nullptr, false);
    if (parsed.is_array())
        for (const auto& item : parsed)
            if (item.is_string()) items.push_back(item.get<std::string>());
    return items;
}

domain::Room room_columns(const Statement& stmt, int id, int name, int capacity, int floor, int equipment) {
    domain::Room room;
    room.id = stmt.int64(id);
    room.name = stmt.text(name);
    room.capacity = stmt.int32(capacity);
    room.floor = stmt.text(floor);
    room.equipment = equipment_column(stmt, equipment);
    return room;
}

domain::Instant instant_column(const Statement& stmt, int column) {
    const auto text = stmt.text(column);
    if (auto parsed = domain::parse_utc(text)) return *parsed;
    throw SqliteError(0, "malformed instant in database: " + text);
}

std::optional<domain::Instant> optional_instant_column(const Statement& stmt, int column) {
    if (stmt.is_null(column)) return std::nullopt;
    return instant_column(stmt, column);
}

domain::Eligibility parse_eligibility(const std::optional<std::string>& text) {
    domain::Eligibility rule;
    if (!text) return rule;
    const auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_object() && json.contains("dues_paid_years") && json["dues_paid_years"].is_array()) {
        for (const auto& year : json["dues_paid_years"])
            if (year.is_number_integer()) rule.dues_paid_years.push_back(year.get<int>());
    }
    return rule;
}

domain::Event read_event(const Statement& row) {
    domain::Event e;
    e.id = row.int64(0);
    e.slug = row.text(1);
    e.title = row.text(2);
    e.description = row.text(3);
    e.kind = domain::parse_event_kind(row.text(4)).value_or(domain::EventKind::congress);
    e.timezone = row.text(5);
    if (!row.is_null(6)) {
        domain::VenueSummary venue;
        venue.id = row.int64(6);
        venue.name = row.text(7);
        venue.address = row.text(8);
        venue.city = row.text(9);
        venue.country = row.text(10);
        venue.map_url = row.optional_text(22);
        e.venue = std::move(venue);
    }
    e.starts_at = instant_column(row, 11);
    e.ends_at = instant_column(row, 12);
    e.capacity = row.int32(13);
    e.confirmed = row.int32(14);
    e.waitlisted = row.int32(15);
    e.registration_opens_at = optional_instant_column(row, 16);
    e.registration_closes_at = optional_instant_column(row, 17);
    e.waitlist_enabled = row.int64(18) != 0;
    e.eligibility = parse_eligibility(row.optional_text(19));
    e.schedule_version = row.int32(20);
    e.promote_after_close = row.int64(21) != 0;
    return e;
}

// Events read in the current write transaction, without their seat counts. The single writer
// plans every registration of a batch against the same event: reading, parsing and
// copying its row (and venue) once per transaction instead of once per registration
// is a large part of what the writer saves. Counts are never kept: they change with
// every registration and are read fresh each time.
struct EventMemo {
    std::uint64_t generation = 0;
    std::vector<domain::Event> events;
};

std::uint64_t event_generation(Connection& conn) {
    // Each term only grows, so the sum changes whenever either does.
    return conn.generation("events") + conn.generation("venues");
}

}  // namespace

std::vector<domain::Event> list_events(Connection& conn) {
    auto stmt = conn.cached(select_all_events());
    std::vector<domain::Event> events;
    while (stmt.step()) events.push_back(read_event(stmt));
    // Every venue's notes in one read (a few rows per venue), so that a listed event shows
    // the same venue as its programme does.
    std::map<domain::Id, domain::VenueNotesByLanguage> notes;
    auto all = conn.cached(select_all_venue_notes);
    while (all.step()) {
        domain::VenueNotes n{all.text(2), all.text(3), all.text(4), all.text(5), all.text(6)};
        if (!n.empty()) notes[all.int64(0)].emplace(all.text(1), std::move(n));
    }
    for (auto& e : events)
        if (e.venue)
            if (const auto it = notes.find(e.venue->id); it != notes.end()) e.venue->notes = it->second;
    return events;
}

std::optional<domain::Id> find_event_id_by_slug(Connection& conn, std::string_view slug) {
    auto stmt = conn.cached(select_event_id_by_slug);
    stmt.bind(1, slug);
    if (!stmt.step()) return std::nullopt;
    return stmt.int64(0);
}

std::optional<domain::Event> load_event(Connection& conn, domain::Id event_id) {
    // Only in a write transaction: then no other connection can change the event until
    // the commit hook says this one has ended (read-only transactions end without a hook).
    if (!conn.in_write_transaction()) {
        auto stmt = conn.cached(select_event_by_id());
        stmt.bind(1, event_id);
        if (!stmt.step()) return std::nullopt;
        return read_event(stmt);
    }
    auto& memo = conn.memo<EventMemo>();
    const auto generation = event_generation(conn);
    if (memo.generation != generation) {
        memo.events.clear();
        memo.generation = generation;
    }
    const domain::Event* known = nullptr;
    for (const auto& e : memo.events)
        if (e.id == event_id) known = &e;
    if (!known) {
        auto stmt = conn.cached(select_event_by_id());
        stmt.bind(1, event_id);
        if (!stmt.step()) return std::nullopt;
        // The query counted seats in this same transaction: as fresh as reading them below.
        auto event = read_event(stmt);
        if (memo.events.size() >= 16) memo.events.clear();
        memo.events.push_back(event);
        return event;
    }
    domain::Event event = *known;
    auto counts = conn.cached(select_event_seat_count);
    counts.bind(1, event_id);
    if (counts.step()) {
        event.confirmed = counts.int32(0);
        event.waitlisted = counts.int32(1);
    } else {
        event.confirmed = event.waitlisted = 0;
    }
    return event;
}

std::optional<domain::Programme> load_programme(Connection& conn, domain::Id event_id) {
    auto event = load_event(conn, event_id);
    if (!event) return std::nullopt;

    domain::Programme p;
    p.event = std::move(*event);

    auto tracks = conn.prepare(select_tracks);
    tracks.bind(1, event_id);
    while (tracks.step())
        p.tracks.push_back(domain::Track{tracks.int64(0), tracks.text(1), tracks.text(2), tracks.int32(3)});

    auto rooms = conn.prepare(select_rooms);
    rooms.bind(1, event_id);
    while (rooms.step()) p.rooms.push_back(room_columns(rooms, 0, 1, 2, 3, 4));

    if (p.event.venue) {
        auto notes = conn.prepare(select_venue_notes);
        notes.bind(1, p.event.venue->id);
        while (notes.step()) {
            domain::VenueNotes n{notes.text(1), notes.text(2), notes.text(3), notes.text(4), notes.text(5)};
            if (!n.empty()) p.event.venue->notes.emplace(notes.text(0), std::move(n));
        }
    }

    auto sessions = conn.prepare(select_sessions);
    sessions.bind(1, event_id);
    std::map<domain::Id, std::size_t> index_by_id;
    while (sessions.step()) {
        domain::Session s;
        s.id = sessions.int64(0);
        s.title = sessions.text(1);
        s.description = sessions.text(2);
        s.kind = sessions.text(3);
        s.track_id = sessions.optional_int64(4);
        if (!sessions.is_null(5))
            s.room = room_columns(sessions, 5, 6, 7, 15, 16);
        s.starts_at = instant_column(sessions, 8);
        s.ends_at = instant_column(sessions, 9);
        s.capacity = sessions.int32(10);
        s.confirmed = sessions.int32(11);
        s.waitlisted = sessions.int32(12);
        s.status = domain::parse_session_status(sessions.text(13)).value_or(domain::SessionStatus::scheduled);
        s.demo = sessions.int64(14) != 0;
        index_by_id[s.id] = p.sessions.size();
        p.sessions.push_back(std::move(s));
    }

    auto speakers = conn.prepare(select_speakers);
    speakers.bind(1, event_id);
    while (speakers.step()) {
        const auto it = index_by_id.find(speakers.int64(0));
        if (it == index_by_id.end()) continue;
        p.sessions[it->second].speakers.push_back(
            domain::Speaker{speakers.int64(1), speakers.text(2), speakers.text(3)});
    }
    return p;
}

domain::Event require_event(Connection& conn, domain::Id event_id) {
    auto event = load_event(conn, event_id);
    if (!event) throw domain::NotFound("event_not_found", "There is no event " + std::to_string(event_id) + ".");
    return std::move(*event);
}

}  // namespace congress::storage
