#include "storage/demo_loader.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "domain/demo_calendar.hpp"
#include "domain/event.hpp"
#include "storage/search_index.hpp"
#include "storage/venue_store.hpp"

namespace congress::storage {

namespace {

using nlohmann::json;

constexpr std::string_view count_events = "SELECT count(*) FROM events";

// Programme data only; registrations go with their events (ON DELETE CASCADE).
constexpr std::string_view delete_programme = R"sql(
DELETE FROM events;
DELETE FROM people;
DELETE FROM rooms;
DELETE FROM venue_notes;
DELETE FROM venues;
DELETE FROM organisation_dues;
DELETE FROM organisations;
)sql";

constexpr std::string_view insert_organisation = R"sql(
INSERT INTO organisations (key, name, city, country, is_member, is_demo) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
)sql";

constexpr std::string_view insert_dues = R"sql(
INSERT INTO organisation_dues (organisation_id, year) VALUES (?1, ?2)
)sql";

constexpr std::string_view insert_venue = R"sql(
INSERT INTO venues (key, name, address, city, country, timezone, is_demo, map_url)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
)sql";

constexpr std::string_view insert_room = R"sql(
INSERT INTO rooms (key, venue_id, name, capacity, is_demo, floor, equipment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
)sql";

constexpr std::string_view insert_person = R"sql(
INSERT INTO people (key, name, organisation_id, role, is_demo) VALUES (?1, ?2, ?3, ?4, ?5)
)sql";

constexpr std::string_view insert_event = R"sql(
INSERT INTO events (slug, title, title_fr, kind, description, timezone, venue_id, starts_at, ends_at,
                    capacity, registration_opens_at, registration_closes_at, waitlist_enabled,
                    eligibility, is_demo)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
)sql";

constexpr std::string_view insert_track = R"sql(
INSERT INTO tracks (event_id, key, name, description, position) VALUES (?1, ?2, ?3, ?4, ?5)
)sql";

constexpr std::string_view insert_session = R"sql(
INSERT INTO sessions (event_id, track_id, room_id, title, description, kind, starts_at, ends_at,
                      capacity, is_demo)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
)sql";

constexpr std::string_view insert_speaker = R"sql(
INSERT INTO session_speakers (session_id, person_id, position) VALUES (?1, ?2, ?3)
)sql";

[[noreturn]] void invalid(const std::string& where, const std::string& what) {
    throw DemoDataError("demo data: " + where + ": " + what);
}

std::string required_string(const json& object, const char* field, const std::string& where) {
    if (!object.contains(field) || !object[field].is_string() || object[field].get<std::string>().empty())
        invalid(where, std::string("missing text field \"") + field + "\"");
    return object[field].get<std::string>();
}

std::optional<std::string> optional_string(const json& object, const char* field) {
    if (!object.contains(field) || !object[field].is_string()) return std::nullopt;
    return object[field].get<std::string>();
}

bool flag(const json& object, const char* field, bool fallback = false) {
    return object.contains(field) && object[field].is_boolean() ? object[field].get<bool>() : fallback;
}

const json& array_field(const json& object, const char* field) {
    static const json empty = json::array();
    return object.contains(field) && object[field].is_array() ? object[field] : empty;
}

struct EventTimes {
    std::string timezone;
    int weeks = 0;

    // A wall-clock time of this event, shifted, to the UTC storage form.
    std::string instant(const std::string& local_text, const std::string& where) const {
        const auto local = domain::parse_local(local_text);
        if (!local) invalid(where, "not a local date-time: " + local_text);
        return domain::format_utc(domain::to_instant(domain::shift_by_weeks(*local, weeks), timezone));
    }
    // A date alone means the start of that day for "opens", the end of it for "closes":
    // "until 12 June" admits registrations until midnight at the end of 12 June.
    std::string window_bound(const std::string& text, bool end_of_day, const std::string& where) const {
        if (domain::is_date_only(text) && end_of_day) {
            const auto local = domain::parse_local(text);
            if (!local) invalid(where, "not a date: " + text);
            const auto next_day = *local + std::chrono::days{1};
            return domain::format_utc(domain::to_instant(domain::shift_by_weeks(next_day, weeks), timezone));
        }
        return instant(text, where);
    }
};

domain::Instant earliest_start(const json& events) {
    std::optional<domain::Instant> earliest;
    for (const auto& event : events) {
        const std::string where = "event " + event.value("slug", std::string("?"));
        const auto tz = required_string(event, "timezone", where);
        if (!domain::is_valid_timezone(tz)) invalid(where, "unknown time zone " + tz);
        const auto local = domain::parse_local(required_string(event, "starts", where));
        if (!local) invalid(where, "bad \"starts\"");
        const auto start = domain::to_instant(*local, tz);
        if (!earliest || start < *earliest) earliest = start;
    }
    if (!earliest) invalid("document", "no events");
    return *earliest;
}

template <typename Map>
auto lookup(const Map& map, const std::string& key, const std::string& where, const char* what) {
    const auto it = map.find(key);
    if (it == map.end()) invalid(where, std::string("unknown ") + what + " \"" + key + "\"");
    return it->second;
}

}  // namespace

DemoSummary load_demo(Connection& conn, const std::string& json_text, const DemoOptions& options) {
    const auto doc = json::parse(json_text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) throw DemoDataError("demo data: not a JSON object");

    DemoSummary summary;
    const auto& events = array_field(doc, "events");
    summary.shift_weeks = options.as_published ? 0 : domain::demo_shift_weeks(earliest_start(events), options.now);

    Transaction tx(conn, Transaction::Kind::immediate);
    {
        auto existing = conn.prepare(count_events);
        existing.step();
        if (existing.int64(0) > 0) {
            if (!options.replace)
                throw DemoDataError("the database already has events; use --replace to replace the programme");
            conn.exec(delete_programme);
        }
    }

    std::map<std::string, domain::Id> organisations, venues, rooms, people;
    std::map<domain::Id, int> room_capacity;
    std::map<std::string, std::string> venue_timezone;

    auto add_organisation = conn.prepare(insert_organisation);
    auto add_dues = conn.prepare(insert_dues);
    for (const auto& org : array_field(doc, "organisations")) {
        const auto key = required_string(org, "key", "organisation");
        const std::string where = "organisation " + key;
        add_organisation.reset();
        add_organisation.bind(1, key)
            .bind(2, required_string(org, "name", where))
            .bind(3, optional_string(org, "city"))
            .bind(4, optional_string(org, "country"))
            .bind(5, flag(org, "member"))
            .bind(6, flag(org, "demo"))
            .run();
        const auto id = conn.last_insert_rowid();
        if (!organisations.emplace(key, id).second) invalid(where, "duplicate key");
        for (const auto& year : array_field(org, "dues_paid")) {
            if (!year.is_number_integer()) invalid(where, "dues_paid must list years");
            add_dues.reset();
            add_dues.bind(1, id).bind(2, year.get<int>()).run();
        }
        ++summary.organisations;
    }

    auto add_venue = conn.prepare(insert_venue);
    auto add_room = conn.prepare(insert_room);
    for (const auto& venue : array_field(doc, "venues")) {
        const auto key = required_string(venue, "key", "venue");
        const std::string where = "venue " + key;
        const auto tz = required_string(venue, "timezone", where);
        if (!domain::is_valid_timezone(tz)) invalid(where, "unknown time zone " + tz);
        add_venue.reset();
        add_venue.bind(1, key)
            .bind(2, required_string(venue, "name", where))
            .bind(3, optional_string(venue, "address"))
            .bind(4, optional_string(venue, "city"))
            .bind(5, optional_string(venue, "country"))
            .bind(6, tz)
            .bind(7, flag(venue, "demo"))
            .bind(8, optional_string(venue, "map_url"))
            .run();
        const auto venue_id = conn.last_insert_rowid();
        if (!venues.emplace(key, venue_id).second) invalid(where, "duplicate key");
        if (const auto url = optional_string(venue, "map_url"); url && !domain::is_web_address(*url))
            invalid(where, "map_url must be an http(s) address");
        // "info": {"en": {"access": "…", "wifi": "…"}, "fr": {…}, "es": {…}}
        if (venue.contains("info")) {
            if (!venue["info"].is_object()) invalid(where, "info must be an object by language");
            for (const auto& [lang, notes] : venue["info"].items()) {
                if (!domain::is_venue_language(lang) || !notes.is_object()) invalid(where, "bad info." + lang);
                domain::VenueNotes n;
                for (const auto& [field, text] : notes.items()) {
                    auto* target = n.field(field);
                    if (!target || !text.is_string()) invalid(where, "bad info." + lang + "." + field);
                    *target = text.get<std::string>();
                }
                put_venue_notes(conn, venue_id, lang, n);
            }
        }
        venue_timezone[key] = tz;
        ++summary.venues;
        for (const auto& room : array_field(venue, "rooms")) {
            const auto room_key = required_string(room, "key", where + " room");
            if (!room.contains("capacity") || !room["capacity"].is_number_integer() || room["capacity"].get<int>() < 0)
                invalid(where + " room " + room_key, "capacity must be a whole number");
            add_room.reset();
            add_room.bind(1, room_key)
                .bind(2, venue_id)
                .bind(3, required_string(room, "name", where + " room " + room_key))
                .bind(4, room["capacity"].get<int>())
                .bind(5, flag(room, "demo"))
                .bind(6, room.value("floor", std::string()))
                .bind(7, room.contains("equipment") ? room["equipment"].dump() : std::string("[]"))
                .run();
            const auto room_id = conn.last_insert_rowid();
            if (!rooms.emplace(room_key, room_id).second) invalid(where, "duplicate room key " + room_key);
            room_capacity[room_id] = room["capacity"].get<int>();
            ++summary.rooms;
        }
    }

    auto add_person = conn.prepare(insert_person);
    for (const auto& person : array_field(doc, "people")) {
        const auto key = required_string(person, "key", "person");
        const std::string where = "person " + key;
        std::optional<domain::Id> org;
        if (auto org_key = optional_string(person, "organisation"))
            org = lookup(organisations, *org_key, where, "organisation");
        add_person.reset();
        add_person.bind(1, key)
            .bind(2, required_string(person, "name", where))
            .bind(3, org)
            .bind(4, optional_string(person, "role"))
            .bind(5, flag(person, "demo"))
            .run();
        if (!people.emplace(key, conn.last_insert_rowid()).second) invalid(where, "duplicate key");
        ++summary.people;
    }

    auto add_event = conn.prepare(insert_event);
    auto add_track = conn.prepare(insert_track);
    auto add_session = conn.prepare(insert_session);
    auto add_speaker = conn.prepare(insert_speaker);
    for (const auto& event : events) {
        const auto slug = required_string(event, "slug", "event");
        const std::string where = "event " + slug;
        const auto kind = required_string(event, "kind", where);
        if (!domain::parse_event_kind(kind)) invalid(where, "unknown kind " + kind);
        const EventTimes times{required_string(event, "timezone", where), summary.shift_weeks};
        std::optional<domain::Id> venue_id;
        if (auto venue_key = optional_string(event, "venue")) venue_id = lookup(venues, *venue_key, where, "venue");
        if (!event.contains("capacity") || !event["capacity"].is_number_integer() || event["capacity"].get<int>() < 0)
            invalid(where, "capacity must be a whole number");
        const auto starts = times.instant(required_string(event, "starts", where), where);
        const auto ends = times.instant(required_string(event, "ends", where), where);
        if (ends <= starts) invalid(where, "ends before it starts");
        std::optional<std::string> opens, closes, eligibility;
        if (auto text = optional_string(event, "registration_opens")) opens = times.window_bound(*text, false, where);
        if (auto text = optional_string(event, "registration_closes")) closes = times.window_bound(*text, true, where);
        if (event.contains("eligibility") && event["eligibility"].is_object()) eligibility = event["eligibility"].dump();

        add_event.reset();
        add_event.bind(1, slug)
            .bind(2, required_string(event, "title", where))
            .bind(3, optional_string(event, "title_fr"))
            .bind(4, kind)
            .bind(5, optional_string(event, "description").value_or(""))
            .bind(6, times.timezone)
            .bind(7, venue_id)
            .bind(8, starts)
            .bind(9, ends)
            .bind(10, event["capacity"].get<int>())
            .bind(11, opens)
            .bind(12, closes)
            .bind(13, flag(event, "waitlist", true))
            .bind(14, eligibility)
            .bind(15, flag(event, "demo"))
            .run();
        const auto event_id = conn.last_insert_rowid();
        ++summary.events;

        std::map<std::string, domain::Id> tracks;
        int position = 0;
        for (const auto& track : array_field(event, "tracks")) {
            const auto key = required_string(track, "key", where + " track");
            add_track.reset();
            add_track.bind(1, event_id)
                .bind(2, key)
                .bind(3, required_string(track, "name", where + " track " + key))
                .bind(4, optional_string(track, "description").value_or(""))
                .bind(5, ++position)
                .run();
            tracks[key] = conn.last_insert_rowid();
        }

        for (const auto& session : array_field(event, "sessions")) {
            const auto title = required_string(session, "title", where + " session");
            const std::string session_where = where + " session \"" + title + "\"";
            std::optional<domain::Id> track_id, room_id;
            if (auto key = optional_string(session, "track")) track_id = lookup(tracks, *key, session_where, "track");
            if (auto key = optional_string(session, "room")) room_id = lookup(rooms, *key, session_where, "room");
            const auto s_starts = times.instant(required_string(session, "starts", session_where), session_where);
            const auto s_ends = times.instant(required_string(session, "ends", session_where), session_where);
            if (s_ends <= s_starts) invalid(session_where, "ends before it starts");
            if (s_starts < starts || s_ends > ends) invalid(session_where, "outside the event's dates");
            const int capacity = session.value("capacity", room_id ? room_capacity[*room_id] : 0);
            if (capacity < 0 || (room_id && capacity > room_capacity[*room_id]))
                invalid(session_where, "capacity above the room's capacity");
            add_session.reset();
            add_session.bind(1, event_id)
                .bind(2, track_id)
                .bind(3, room_id)
                .bind(4, title)
                .bind(5, optional_string(session, "description").value_or(""))
                .bind(6, optional_string(session, "kind").value_or("parallel"))
                .bind(7, s_starts)
                .bind(8, s_ends)
                .bind(9, capacity)
                .bind(10, flag(session, "demo"))
                .run();
            const auto session_id = conn.last_insert_rowid();
            ++summary.sessions;
            int speaker_position = 0;
            for (const auto& speaker : array_field(session, "speakers")) {
                if (!speaker.is_string()) invalid(session_where, "speakers must be person keys");
                add_speaker.reset();
                add_speaker.bind(1, session_id)
                    .bind(2, lookup(people, speaker.get<std::string>(), session_where, "person"))
                    .bind(3, ++speaker_position)
                    .run();
            }
        }
    }
    index_pending_registrations(conn);  // --replace may have deleted registrations
    tx.commit();
    return summary;
}

}  // namespace congress::storage
