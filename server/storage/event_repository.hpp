// Reading events and programmes. All SQL for these reads lives in event_repository.cpp.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "domain/event.hpp"
#include "storage/sqlite.hpp"

namespace congress::storage {

// Every event, ordered by start time, with its seat counts and its venue's notes.
std::vector<domain::Event> list_events(Connection& conn);
// One event with its seat counts; nullopt if there is no such event.
std::optional<domain::Event> load_event(Connection& conn, domain::Id event_id);
// load_event, or domain::NotFound("event_not_found") if there is no such event.
domain::Event require_event(Connection& conn, domain::Id event_id);
// One event with tracks, rooms and sessions, and its venue's notes; nullopt if there is no
// such event. (load_event leaves the venue's notes empty.)
std::optional<domain::Programme> load_programme(Connection& conn, domain::Id event_id);
std::optional<domain::Id> find_event_id_by_slug(Connection& conn, std::string_view slug);

}  // namespace congress::storage
