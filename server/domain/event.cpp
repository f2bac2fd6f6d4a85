#include "domain/event.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace congress::domain {

namespace {

constexpr std::array<std::pair<EventKind, std::string_view>, 5> event_kinds{{
    {EventKind::congress, "congress"},
    {EventKind::colloquium, "colloquium"},
    {EventKind::workshop, "workshop"},
    {EventKind::assembly, "assembly"},
    {EventKind::meeting, "meeting"},
}};

}  // namespace

std::string_view to_string(EventKind kind) {
    for (const auto& [value, name] : event_kinds)
        if (value == kind) return name;
    return "congress";
}

std::optional<EventKind> parse_event_kind(std::string_view text) {
    for (const auto& [value, name] : event_kinds)
        if (name == text) return value;
    return std::nullopt;
}

std::string_view to_string(SessionStatus status) {
    return status == SessionStatus::cancelled ? "cancelled" : "scheduled";
}

std::optional<SessionStatus> parse_session_status(std::string_view text) {
    if (text == "scheduled") return SessionStatus::scheduled;
    if (text == "cancelled") return SessionStatus::cancelled;
    return std::nullopt;
}

const Track* Programme::find_track(Id id) const {
    const auto it = std::find_if(tracks.begin(), tracks.end(), [id](const Track& t) { return t.id == id; });
    return it == tracks.end() ? nullptr : &*it;
}

}  // namespace congress::domain
