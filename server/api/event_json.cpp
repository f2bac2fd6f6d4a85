#include "api/event_json.hpp"

namespace congress::api {

namespace {

using nlohmann::json;

json optional_time(const std::optional<domain::Instant>& instant, const std::string& zone) {
    return instant ? json(domain::format_in_zone(*instant, zone)) : json(nullptr);
}

json room_json(const domain::Room& room) {
    return {{"id", room.id},
            {"name", room.name},
            {"capacity", room.capacity},
            {"floor", room.floor},
            {"equipment", room.equipment}};
}

// Every language of the association, each with every note ("" when none was written):
// the page picks its own language and falls back to English field by field.
json venue_info_json(const domain::VenueNotesByLanguage& notes) {
    json info = json::object();
    for (const auto lang : domain::venue_languages) {
        const auto it = notes.find(lang);
        const domain::VenueNotes empty;
        const auto& n = it == notes.end() ? empty : it->second;
        json one = json::object();
        for (const auto field : domain::venue_note_fields) one[std::string(field)] = *n.field(field);
        info[std::string(lang)] = std::move(one);
    }
    return info;
}

}  // namespace

json event_json(const domain::Event& e) {
    json venue = nullptr;
    if (e.venue) {
        venue = {{"id", e.venue->id},
                 {"name", e.venue->name},
                 {"address", e.venue->address},
                 {"city", e.venue->city},
                 {"country", e.venue->country},
                 {"map_url", e.venue->map_url ? json(*e.venue->map_url) : json(nullptr)},
                 {"info", venue_info_json(e.venue->notes)}};
    }
    json eligibility = nullptr;
    if (e.eligibility.restricted()) eligibility = {{"dues_paid_years", e.eligibility.dues_paid_years}};
    return {
        {"id", e.id},
        {"slug", e.slug},
        {"title", e.title},
        {"kind", domain::to_string(e.kind)},
        {"description", e.description},
        {"starts_at", domain::format_in_zone(e.starts_at, e.timezone)},
        {"ends_at", domain::format_in_zone(e.ends_at, e.timezone)},
        {"timezone", e.timezone},
        {"venue", std::move(venue)},
        {"capacity", e.capacity},
        {"confirmed", e.confirmed},
        {"waitlisted", e.waitlisted},
        {"seats_left", e.seats_left()},
        {"registration_opens_at", optional_time(e.registration_opens_at, e.timezone)},
        {"registration_closes_at", optional_time(e.registration_closes_at, e.timezone)},
        {"waitlist_enabled", e.waitlist_enabled},
        {"eligibility", std::move(eligibility)},
    };
}

json programme_json(const domain::Programme& p) {
    const auto& zone = p.event.timezone;
    auto body = event_json(p.event);
    body["schedule_version"] = p.event.schedule_version;

    json tracks = json::array();
    for (const auto& t : p.tracks)
        tracks.push_back({{"id", t.id}, {"name", t.name}, {"description", t.description}, {"position", t.position}});
    body["tracks"] = std::move(tracks);

    json rooms = json::array();
    for (const auto& r : p.rooms) rooms.push_back(room_json(r));
    body["rooms"] = std::move(rooms);

    json sessions = json::array();
    for (const auto& s : p.sessions) {
        json track = nullptr;
        if (s.track_id)
            if (const auto* t = p.find_track(*s.track_id)) track = {{"id", t->id}, {"name", t->name}};
        json speakers = json::array();
        for (const auto& sp : s.speakers)
            speakers.push_back({{"id", sp.id}, {"name", sp.name}, {"organisation", sp.organisation}});
        sessions.push_back({
            {"id", s.id},
            {"title", s.title},
            {"description", s.description},
            {"kind", s.kind},
            {"track", std::move(track)},
            {"room", s.room ? room_json(*s.room) : json(nullptr)},
            {"starts_at", domain::format_in_zone(s.starts_at, zone)},
            {"ends_at", domain::format_in_zone(s.ends_at, zone)},
            {"capacity", s.capacity},
            {"confirmed", s.confirmed},
            {"waitlisted", s.waitlisted},
            {"seats_left", s.seats_left()},
            {"status", domain::to_string(s.status)},
            {"speakers", std::move(speakers)},
            {"demo", s.demo},
        });
    }
    body["sessions"] = std::move(sessions);
    return body;
}

}  // namespace congress::api
