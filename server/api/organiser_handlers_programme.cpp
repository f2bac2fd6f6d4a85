// The console's events, tracks, rooms and sessions.
#include <algorithm>

#include "api/errors.hpp"
#include "api/event_json.hpp"
#include "api/json_text.hpp"
#include "api/organiser_handlers.hpp"
#include "api/organiser_handlers_support.hpp"
#include "api/request_body.hpp"
#include "app/programme.hpp"
#include "domain/programme_edit.hpp"
#include "storage/event_repository.hpp"
#include "storage/organiser_store.hpp"
#include "storage/venue_store.hpp"

namespace congress::api::organiser {

namespace {

using nlohmann::json;
using storage::Connection;

constexpr std::size_t max_description = 20000;

// A text field that, when sent, may not be empty (a title cannot be cleared).
std::optional<std::string> present_text(const json& body, const char* field, std::size_t max_chars) {
    if (!body.contains(field)) return std::nullopt;
    return required_text(body, field, max_chars);
}

// The event as the console shows it: the public programme, plus what only organisers set.
json console_event_json(Connection& conn, domain::Id id) {
    const auto programme = storage::load_programme(conn, id);
    if (!programme) throw domain::NotFound("event_not_found", "There is no event " + std::to_string(id) + ".");
    auto body = programme_json(*programme);
    body["promote_after_close"] = programme->event.promote_after_close;
    return body;
}

json find_by_id(const json& list, domain::Id id) {
    for (const auto& item : list)
        if (item.value("id", domain::Id{0}) == id) return item;
    return nullptr;
}

storage::EventInput event_input(const json& body, bool creating) {
    refuse_unknown_fields(body, {"slug", "title", "description", "kind", "timezone", "starts_at", "ends_at",
                                 "registration_opens_at", "registration_closes_at", "capacity", "waitlist_enabled",
                                 "promote_after_close", "eligibility", "venue_id", "venue"});
    storage::EventInput input;
    input.slug = present_text(body, "slug", 100);
    if (input.slug && !is_slug(*input.slug))
        throw FieldError("slug", "The address may hold only lower-case letters, digits and hyphens (e.g. hyderabad-2014).");
    input.title = present_text(body, "title", 500);
    input.description = optional_multiline(body, "description", max_description);
    if (const auto kind = present_text(body, "kind", 20)) {
        input.kind = domain::parse_event_kind(*kind);
        if (!input.kind) throw FieldError("kind", "kind must be congress, colloquium, workshop, assembly or meeting.");
    }
    input.timezone = present_text(body, "timezone", 100);
    if (input.timezone && !domain::is_valid_timezone(*input.timezone))
        throw FieldError("timezone", "\"" + *input.timezone + "\" is not an IANA time zone (e.g. Europe/Madrid).");
    input.starts_at = optional_local_time(body, "starts_at");
    input.ends_at = optional_local_time(body, "ends_at");
    input.registration_opens_at = nullable_local_time(body, "registration_opens_at");
    input.registration_closes_at = nullable_local_time(body, "registration_closes_at");
    input.capacity = optional_int(body, "capacity", 0, domain::max_capacity);
    input.waitlist_enabled = optional_bool(body, "waitlist_enabled");
    input.promote_after_close = optional_bool(body, "promote_after_close");
    if (body.contains("eligibility")) {
        const auto& rule = body["eligibility"];
        std::vector<int> years;
        if (!rule.is_null()) {
            if (!rule.is_object() || !rule.contains("dues_paid_years") || !rule["dues_paid_years"].is_array())
                throw FieldError("eligibility", R"(eligibility must be null or {"dues_paid_years":[2013,2014]}.)");
            for (const auto& year : rule["dues_paid_years"]) {
                if (!year.is_number_integer() || year.get<std::int64_t>() < 1900 || year.get<std::int64_t>() > 2200)
                    throw FieldError("eligibility", "Dues years must be whole years from 1900 to 2200.");
                years.push_back(year.get<int>());
            }
            std::sort(years.begin(), years.end());
            years.erase(std::unique(years.begin(), years.end()), years.end());
        }
        input.dues_paid_years = std::move(years);
    }
    input.venue_id = nullable_id(body, "venue_id");
    if (body.contains("venue") && !body["venue"].is_null()) {
        const auto& venue = body["venue"];
        if (!venue.is_object()) throw FieldError("venue", "venue must be an object with a name.");
        storage::VenueInput v;
        try {
            v.name = required_text(venue, "name", 300);
            v.address = optional_text(venue, "address", 500);
            v.city = optional_text(venue, "city", 200);
            v.country = optional_text(venue, "country", 200);
        } catch (const FieldError& e) {
            throw FieldError("venue." + e.field(), e.what());
        }
        input.new_venue = std::move(v);
    }
    if (creating) {
        const auto require = [](bool present, const char* field) {
            if (!present) throw FieldError(field, std::string(field) + " is required.");
        };
        require(input.slug.has_value(), "slug");
        require(input.title.has_value(), "title");
        require(input.kind.has_value(), "kind");
        require(input.timezone.has_value(), "timezone");
        require(input.starts_at.has_value(), "starts_at");
        require(input.ends_at.has_value(), "ends_at");
        require(input.capacity.has_value(), "capacity");
    }
    return input;
}

storage::TrackInput track_input(const json& body, bool creating) {
    refuse_unknown_fields(body, {"name", "description", "position"});
    storage::TrackInput input;
    input.name = present_text(body, "name", 300);
    input.description = optional_multiline(body, "description", max_description);
    input.position = optional_int(body, "position", 0, 10000);
    if (creating && !input.name) throw FieldError("name", "name is required.");
    return input;
}

// A list of short strings ("projector", "interpretation booths"): trimmed, each 1..60
// characters, at most 20, repeats dropped. null or [] clears it.
std::optional<std::vector<std::string>> optional_equipment(const json& body, const char* field) {
    if (!body.contains(field)) return std::nullopt;
    const auto& value = body[field];
    std::vector<std::string> items;
    if (value.is_null()) return items;
    if (!value.is_array()) throw FieldError(field, std::string(field) + " must be a list of short texts.");
    if (value.size() > domain::max_equipment_items)
        throw FieldError(field, std::string(field) + " may list at most " + std::to_string(domain::max_equipment_items) +
                                    " items.");
    for (const auto& item : value) {
        std::string text;
        try {
            text = required_text(json{{"item", item}}, "item", domain::max_equipment_item);
        } catch (const FieldError&) {
            throw FieldError(field, "Each item of " + std::string(field) + " must be text of 1 to " +
                                        std::to_string(domain::max_equipment_item) + " characters.");
        }
        if (std::find(items.begin(), items.end(), text) == items.end()) items.push_back(std::move(text));
    }
    return items;
}

storage::RoomInput room_input(const json& body, bool creating) {
    refuse_unknown_fields(body, {"name", "capacity", "floor", "equipment"});
    storage::RoomInput input;
    input.name = present_text(body, "name", 300);
    input.capacity = optional_int(body, "capacity", 0, domain::max_capacity);
    if (body.contains("floor"))
        input.floor = body["floor"].is_null() ? std::string() : optional_text(body, "floor", domain::max_room_floor).value_or("");
    input.equipment = optional_equipment(body, "equipment");
    if (creating && !input.name) throw FieldError("name", "name is required.");
    if (creating && !input.capacity) throw FieldError("capacity", "capacity is required.");
    return input;
}

// PATCH /api/events/{id}/venue: {"address", "map_url", "info": {"fr": {"wifi": "…"}}}.
storage::VenueEdit venue_edit(const json& body) {
    refuse_unknown_fields(body, {"address", "map_url", "info"});
    storage::VenueEdit edit;
    if (body.contains("address"))
        edit.address = body["address"].is_null() ? std::string() : optional_multiline(body, "address", 500).value_or("");
    if (body.contains("map_url")) {
        const auto& url = body["map_url"];
        if (url.is_null() || (url.is_string() && url.get_ref<const std::string&>().empty())) {
            edit.map_url = std::optional<std::string>();
        } else {
            const auto text = optional_text(body, "map_url", domain::max_map_url);
            if (!text || !domain::is_web_address(*text))
                throw FieldError("map_url", "map_url must be a web address starting with https:// or http:// "
                                            "(e.g. https://www.openstreetmap.org/…).");
            edit.map_url = *text;
        }
    }
    if (body.contains("info")) {
        const auto& info = body["info"];
        if (!info.is_object())
            throw FieldError("info", R"(info must be an object by language, e.g. {"fr": {"wifi": "…"}}.)");
        for (const auto& [lang, notes] : info.items()) {
            const std::string where = "info." + lang;
            if (!domain::is_venue_language(lang))
                throw FieldError(where, "\"" + lang.substr(0, 20) + "\" is not one of the languages en, fr, es.");
            if (!notes.is_object()) throw FieldError(where, where + " must be an object of notes.");
            auto& fields = edit.notes[lang];
            for (const auto& [name, value] : notes.items()) {
                const std::string field = where + "." + name;
                if (std::find(domain::venue_note_fields.begin(), domain::venue_note_fields.end(), name) ==
                    domain::venue_note_fields.end())
                    throw FieldError(field, "Unknown note \"" + name.substr(0, 40) +
                                                "\": use access, accessibility, transport, wifi or catering.");
                if (value.is_null()) {
                    fields[name] = "";
                    continue;
                }
                try {
                    fields[name] = optional_multiline(notes, name.c_str(), domain::max_venue_note).value_or("");
                } catch (const FieldError& e) {
                    throw FieldError(field, e.what());
                }
            }
        }
    }
    return edit;
}

constexpr std::string_view session_kinds[] = {"plenary", "parallel", "workshop", "ceremony", "meeting", "break"};

app::SessionInput session_input(const json& body, bool creating) {
    refuse_unknown_fields(body, {"title", "description", "kind", "track_id", "room_id", "starts_at", "ends_at", "capacity",
                                 "speakers", "reason"});
    app::SessionInput input;
    input.title = present_text(body, "title", 500);
    input.description = optional_multiline(body, "description", max_description);
    input.kind = present_text(body, "kind", 20);
    if (input.kind && std::find(std::begin(session_kinds), std::end(session_kinds), *input.kind) == std::end(session_kinds))
        throw FieldError("kind", "kind must be plenary, parallel, workshop, ceremony, meeting or break.");
    input.track_id = nullable_id(body, "track_id");
    input.room_id = nullable_id(body, "room_id");
    input.starts_at = optional_local_time(body, "starts_at");
    input.ends_at = optional_local_time(body, "ends_at");
    input.capacity = optional_int(body, "capacity", 0, domain::max_capacity);
    input.speakers = optional_names(body, "speakers");
    input.reason = optional_reason(body);
    if (creating) {
        if (!input.title) throw FieldError("title", "title is required.");
        if (!input.starts_at) throw FieldError("starts_at", "starts_at is required.");
        if (!input.ends_at) throw FieldError("ends_at", "ends_at is required.");
    }
    return input;
}

Response session_answer(Connection& conn, domain::Id event, domain::Id session, int status) {
    const auto body = console_event_json(conn, event);
    return json_response(status, json_text({{"session", find_by_id(body["sessions"], session)},
                                            {"schedule_version", body["schedule_version"]}}));
}

}  // namespace

void list_events(Services& services, const Request& request, const RouteParams&, Responder respond) {
    const auto principal = caller(request);
    read_then_respond(
        services, request,
        [principal](Connection& conn) {
            json events = json::array();
            for (const auto& event : storage::list_events(conn))
                if (principal.can_organise(event.id)) events.push_back(event_json(event));
            return json_response(200, json_text({{"events", std::move(events)},
                                                 {"can_create", principal.organises_every_event()}}));
        },
        std::move(respond));
}

void create_event(Services& services, const Request& request, const RouteParams&, Responder respond) {
    // Access::organiser_all: the router has let through only organisers of every event.
    auto input = event_input(parse_json_object(request), true);
    write_then_answer(
        services, request,
        [input = std::move(input), context = audit_context(request)](Connection& conn, storage::ChangeSet& changes) {
            return json{{"id", storage::create_event(conn, changes, input, context, domain::now())}};
        },
        [](Connection& conn, const json& result) {
            return json_response(201, json_text({{"event", console_event_json(conn, result["id"].get<domain::Id>())}}));
        },
        std::move(respond));
}

void list_venues(Services& services, const Request& request, const RouteParams&, Responder respond) {
    caller(request);
    read_then_respond(
        services, request,
        [](Connection& conn) {
            json venues = json::array();
            for (const auto& v : storage::list_venues(conn))
                venues.push_back({{"id", v.id}, {"name", v.name}, {"city", v.city}, {"country", v.country}, {"timezone", v.timezone}});
            return json_response(200, json_text({{"venues", std::move(venues)}}));
        },
        std::move(respond));
}

void get_event(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto id = event_id(params);
    read_then_respond(
        services, request,
        [id](Connection& conn) { return json_response(200, json_text({{"event", console_event_json(conn, id)}})); },
        std::move(respond));
}

void update_event(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto id = event_id(params);
    auto input = event_input(parse_json_object(request), false);
    write_then_answer(
        services, request,
        [id, input = std::move(input), context = audit_context(request)](Connection& conn, storage::ChangeSet& changes) {
            storage::update_event(conn, changes, id, input, context, domain::now());
            return json{{"id", id}};
        },
        [id](Connection& conn, const json&) {
            return json_response(200, json_text({{"event", console_event_json(conn, id)}}));
        },
        std::move(respond));
}

void create_track(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto id = event_id(params);
    auto input = track_input(parse_json_object(request), true);
    write_then_answer(
        services, request,
        [id, input = std::move(input), context = audit_context(request)](Connection& conn, storage::ChangeSet& changes) {
            return json{{"id", storage::create_track(conn, changes, id, input, context, domain::now())}};
        },
        [id](Connection& conn, const json& result) {
            const auto body = console_event_json(conn, id);
            return json_response(201, json_text({{"track", find_by_id(body["tracks"], result["id"].get<domain::Id>())}}));
        },
        std::move(respond));
}

void update_track(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto id = event_id(params);
    const auto track = path_id(params, "track_id", "track_not_found");
    auto input = track_input(parse_json_object(request), false);
    write_then_answer(
        services, request,
        [id, track, input = std::move(input), context = audit_context(request)](Connection& conn, storage::ChangeSet& changes) {
            storage::update_track(conn, changes, id, track, input, context, domain::now());
            return json{{"id", track}};
        },
        [id, track](Connection& conn, const json&) {
            const auto body = console_event_json(conn, id);
            return json_response(200, json_text({{"track", find_by_id(body["tracks"], track)}}));
        },
        std::move(respond));
}

void create_room(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto id = event_id(params);
    auto input = room_input(parse_json_object(request), true);
    write_then_answer(
        services, request,
        [id, input = std::move(input), context = audit_context(request)](Connection& conn, storage::ChangeSet& changes) {
            return json{{"id", storage::create_room(conn, changes, id, input, context, domain::now())}};
        },
        [id](Connection& conn, const json& result) {
            const auto body = console_event_json(conn, id);
            return json_response(201, json_text({{"room", find_by_id(body["rooms"], result["id"].get<domain::Id>())}}));
        },
        std::move(respond));
}

void update_room(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto id = event_id(params);
    const auto room = path_id(params, "room_id", "room_not_found");
    auto input = room_input(parse_json_object(request), false);
    const auto principal = caller(request);
    write_then_answer(
        services, request,
        [id, room, principal, input = std::move(input), context = audit_context(request)](Connection& conn,
                                                                                          storage::ChangeSet& changes) {
            storage::update_room(
                conn, changes, id, room, input, [&principal](domain::Id other) { return principal.can_organise(other); },
                context, domain::now());
            return json{{"id", room}};
        },
        [id, room](Connection& conn, const json&) {
            const auto body = console_event_json(conn, id);
            return json_response(200, json_text({{"room", find_by_id(body["rooms"], room)}}));
        },
        std::move(respond));
}

void update_venue(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto id = event_id(params);
    auto edit = venue_edit(parse_json_object(request));
    const auto principal = caller(request);
    write_then_answer(
        services, request,
        [id, principal, edit = std::move(edit), context = audit_context(request)](Connection& conn,
                                                                                 storage::ChangeSet& changes) {
            const auto venue = storage::update_event_venue(
                conn, changes, id, edit, [&principal](domain::Id other) { return principal.can_organise(other); },
                context, domain::now());
            return json{{"id", venue}};
        },
        [id](Connection& conn, const json&) {
            const auto body = console_event_json(conn, id);
            return json_response(200, json_text({{"venue", body["venue"]}, {"rooms", body["rooms"]}}));
        },
        std::move(respond));
}

void create_session(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto id = event_id(params);
    auto input = session_input(parse_json_object(request), true);
    // The reason given for adding a session is recorded with it, as for every other change.
    auto context = audit_context(request, input.reason.empty() ? std::nullopt : std::optional(input.reason));
    write_then_answer(
        services, request,
        [id, input = std::move(input), context = std::move(context)](Connection& conn, storage::ChangeSet& changes) {
            return json{{"id", app::create_session(conn, changes, id, input, context, domain::now())}};
        },
        [id](Connection& conn, const json& result) { return session_answer(conn, id, result["id"].get<domain::Id>(), 201); },
        std::move(respond));
}

void update_session(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto id = event_id(params);
    const auto session = path_id(params, "session_id", "session_not_found");
    auto input = session_input(parse_json_object(request), false);
    auto context = audit_context(request, input.reason.empty() ? std::nullopt : std::optional(input.reason));
    write_then_answer(
        services, request,
        [id, session, input = std::move(input), context = std::move(context)](Connection& conn, storage::ChangeSet& changes) {
            app::update_session(conn, changes, id, session, input, context, domain::now());
            return json{{"id", session}};
        },
        [id, session](Connection& conn, const json&) { return session_answer(conn, id, session, 200); },
        std::move(respond));
}

void cancel_session(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto id = event_id(params);
    const auto session = path_id(params, "session_id", "session_not_found");
    const auto body = parse_json_object(request);
    refuse_unknown_fields(body, {"reason"});
    auto reason = required_reason(body);
    write_then_answer(
        services, request,
        [id, session, reason, context = audit_context(request, reason)](Connection& conn, storage::ChangeSet& changes) {
            app::cancel_session(conn, changes, id, session, reason, context, domain::now());
            return json{{"id", session}};
        },
        [id, session](Connection& conn, const json&) { return session_answer(conn, id, session, 200); },
        std::move(respond));
}

}  // namespace congress::api::organiser
