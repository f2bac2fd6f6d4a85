// Writing a venue's details: address, map link and the notes per language. All SQL for
// them lives in venue_store.cpp (reads are in event_repository.cpp, with the programme).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "domain/event.hpp"
#include "domain/time.hpp"
#include "domain/venue.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/sqlite.hpp"

namespace congress::storage {

// What an organiser changes; absent fields stay as they are. Checked at the edge.
struct VenueEdit {
    std::optional<std::string> address;
    std::optional<std::optional<std::string>> map_url;  // inner nullopt clears the link
    // language -> note field ("access", …, "catering") -> new text ("" clears it)
    std::map<std::string, std::map<std::string, std::string>> notes;
};

// Changes the venue of event `event_id` (Refusal event_has_no_venue without one). Venues
// are shared by events: when another event uses the venue, only someone who may organise
// that event too may change it (`may_organise`; Refusal venue_shared otherwise). Audited
// as venue.update with the details before and after; every event at the venue changes.
// Returns the venue's id.
domain::Id update_event_venue(Connection& conn, ChangeSet& changes, domain::Id event_id, const VenueEdit& edit,
                              const std::function<bool(domain::Id)>& may_organise, const AuditContext& context,
                              domain::Instant now);

// The venue's notes per language, as stored (languages without a row are absent).
domain::VenueNotesByLanguage venue_notes(Connection& conn, domain::Id venue_id);

// Demo and import: replaces one language's notes of a venue.
void put_venue_notes(Connection& conn, domain::Id venue_id, const std::string& lang, const domain::VenueNotes& notes);

}  // namespace congress::storage
