#include "storage/venue_store.hpp"

#include "domain/registration.hpp"

#include <vector>

#include <nlohmann/json.hpp>

namespace congress::storage {

namespace {

using domain::Id;
using nlohmann::json;

constexpr std::string_view select_event_venue_details = R"sql(
SELECT v.id, v.name, coalesce(v.address, ''), v.map_url
FROM events e JOIN venues v ON v.id = e.venue_id
WHERE e.id = ?1
)sql";

constexpr std::string_view select_events_at_venue = "SELECT id FROM events WHERE venue_id = ?1 ORDER BY id";

constexpr std::string_view select_notes = R"sql(
SELECT lang, access, accessibility, transport, wifi, catering FROM venue_notes WHERE venue_id = ?1
)sql";

constexpr std::string_view update_venue_row = "UPDATE venues SET address = ?2, map_url = ?3 WHERE id = ?1";

constexpr std::string_view upsert_notes = R"sql(
INSERT INTO venue_notes (venue_id, lang, access, accessibility, transport, wifi, catering)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (venue_id, lang) DO UPDATE SET
    access = excluded.access, accessibility = excluded.accessibility, transport = excluded.transport,
    wifi = excluded.wifi, catering = excluded.catering
)sql";

constexpr std::string_view delete_notes = "DELETE FROM venue_notes WHERE venue_id = ?1 AND lang = ?2";

json notes_json(const domain::VenueNotesByLanguage& notes) {
    json out = json::object();
    for (const auto& [lang, n] : notes) {
        json one = json::object();
        for (const auto field : domain::venue_note_fields) one[std::string(field)] = *n.field(field);
        out[lang] = std::move(one);
    }
    return out;
}

}  // namespace

domain::VenueNotesByLanguage venue_notes(Connection& conn, Id venue_id) {
    domain::VenueNotesByLanguage notes;
    auto stmt = conn.cached(select_notes);
    stmt.bind(1, venue_id);
    while (stmt.step())
        notes.emplace(stmt.text(0),
                      domain::VenueNotes{stmt.text(1), stmt.text(2), stmt.text(3), stmt.text(4), stmt.text(5)});
    return notes;
}

void put_venue_notes(Connection& conn, Id venue_id, const std::string& lang, const domain::VenueNotes& notes) {
    if (notes.empty()) {
        conn.cached(delete_notes).bind(1, venue_id).bind(2, lang).run();
        return;
    }
    conn.cached(upsert_notes)
        .bind(1, venue_id)
        .bind(2, lang)
        .bind(3, notes.access)
        .bind(4, notes.accessibility)
        .bind(5, notes.transport)
        .bind(6, notes.wifi)
        .bind(7, notes.catering)
        .run();
}

Id update_event_venue(Connection& conn, ChangeSet& changes, Id event_id, const VenueEdit& edit,
                      const std::function<bool(Id)>& may_organise, const AuditContext& context, domain::Instant now) {
    Id venue_id = 0;
    std::string name, address;
    std::optional<std::string> map_url;
    {
        auto stmt = conn.cached(select_event_venue_details);
        stmt.bind(1, event_id);
        if (!stmt.step())
            throw domain::Refusal("event_has_no_venue", "Give the event a venue before describing it.");
        venue_id = stmt.int64(0);
        name = stmt.text(1);
        address = stmt.text(2);
        map_url = stmt.optional_text(3);
    }
    std::vector<Id> events;
    {
        auto stmt = conn.cached(select_events_at_venue);
        stmt.bind(1, venue_id);
        while (stmt.step()) events.push_back(stmt.int64(0));
    }
    for (const auto other : events)
        if (other != event_id && !may_organise(other))
            throw domain::Refusal("venue_shared", "Another event is held at " + name +
                                                      ": only someone who organises that event too may change the venue.");

    const auto notes_before = venue_notes(conn, venue_id);
    auto notes_after = notes_before;
    for (const auto& [lang, fields] : edit.notes) {
        auto& n = notes_after[lang];
        for (const auto& [field, text] : fields)
            if (auto* target = n.field(field)) *target = text;
    }
    for (auto it = notes_after.begin(); it != notes_after.end();)
        it = it->second.empty() ? notes_after.erase(it) : std::next(it);

    const std::string address_after = edit.address.value_or(address);
    const std::optional<std::string> map_url_after = edit.map_url ? *edit.map_url : map_url;
    auto update = conn.cached(update_venue_row);
    update.bind(1, venue_id).bind(2, address_after);
    if (map_url_after) update.bind(3, *map_url_after);
    else update.bind_null(3);
    update.run();
    for (const auto lang : domain::venue_languages) {
        const std::string key(lang);
        const auto after = notes_after.find(key);
        put_venue_notes(conn, venue_id, key, after == notes_after.end() ? domain::VenueNotes{} : after->second);
    }

    for (const auto other : events) changes.events.insert(other);
    changes.events.insert(event_id);
    const auto url_json = [](const std::optional<std::string>& url) { return url ? json(*url) : json(nullptr); };
    const json before = {{"address", address}, {"map_url", url_json(map_url)}, {"info", notes_json(notes_before)}};
    const json after = {{"address", address_after}, {"map_url", url_json(map_url_after)}, {"info", notes_json(notes_after)}};
    append_audit(conn, audit_entry(context, "venue.update", "venue", venue_id, event_id, before.dump(), after.dump(), now));
    return venue_id;
}

}  // namespace congress::storage
