// The programme as the domain sees it: events, their tracks, rooms and sessions.
// Plain data; no I/O, no HTTP, no SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/time.hpp"
#include "domain/venue.hpp"

namespace congress::domain {

using Id = std::int64_t;

enum class EventKind { congress, colloquium, workshop, assembly, meeting };
std::string_view to_string(EventKind kind);
std::optional<EventKind> parse_event_kind(std::string_view text);

enum class SessionStatus { scheduled, cancelled };
std::string_view to_string(SessionStatus status);
std::optional<SessionStatus> parse_session_status(std::string_view text);

// Who may register. An empty rule admits everyone; dues_paid_years admits delegates of
// member organisations whose dues for every listed year are paid (the General Assembly).
struct Eligibility {
    std::vector<int> dues_paid_years;
    bool restricted() const { return !dues_paid_years.empty(); }
};

struct VenueSummary {
    Id id = 0;
    std::string name;
    std::string address;
    std::string city;
    std::string country;
    std::optional<std::string> map_url;
    VenueNotesByLanguage notes;  // filled by list_events and load_programme, not load_event
};

struct Event {
    Id id = 0;
    std::string slug;
    std::string title;
    std::string description;
    EventKind kind = EventKind::congress;
    std::string timezone;
    std::optional<VenueSummary> venue;
    Instant starts_at{};
    Instant ends_at{};
    int capacity = 0;
    int confirmed = 0;
    int waitlisted = 0;
    std::optional<Instant> registration_opens_at;
    std::optional<Instant> registration_closes_at;
    bool waitlist_enabled = true;
    Eligibility eligibility;
    int schedule_version = 1;
    // Organisers may allow promotion from the waiting list after registration closes.
    bool promote_after_close = false;

    int seats_left() const { return confirmed >= capacity ? 0 : capacity - confirmed; }
};

struct Track {
    Id id = 0;
    std::string name;
    std::string description;
    int position = 0;
};

struct Room {
    Id id = 0;
    std::string name;
    int capacity = 0;
    std::string floor;               // "" when not given
    std::vector<std::string> equipment;
};

struct Speaker {
    Id id = 0;
    std::string name;
    std::string organisation;
};

struct Session {
    Id id = 0;
    std::string title;
    std::string description;
    std::string kind;
    std::optional<Id> track_id;
    std::optional<Room> room;
    Instant starts_at{};
    Instant ends_at{};
    int capacity = 0;
    int confirmed = 0;
    int waitlisted = 0;
    SessionStatus status = SessionStatus::scheduled;
    std::vector<Speaker> speakers;
    bool demo = false;

    int seats_left() const { return confirmed >= capacity ? 0 : capacity - confirmed; }
};

// An event with its whole programme.
struct Programme {
    Event event;
    std::vector<Track> tracks;
    std::vector<Room> rooms;
    std::vector<Session> sessions;

    const Track* find_track(Id id) const;
};

}  // namespace congress::domain
