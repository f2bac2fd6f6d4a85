// Official hotels and accommodation (docs/hotels.md).
//
// Every allotment is a command of the single writer: it reads the blocks' counts and writes
// the request in the same transaction, so of many delegates asking for the last room exactly
// one gets it; the others wait in request order.
#include "api/hotel_handlers.hpp"

#include <algorithm>
#include <memory>

#include "api/csv.hpp"
#include "api/errors.hpp"
#include "api/hotel_json.hpp"
#include "api/json_text.hpp"
#include "api/organiser_handlers_support.hpp"
#include "api/request_body.hpp"
#include "domain/accommodation.hpp"
#include "storage/event_repository.hpp"
#include "storage/hotel_store.hpp"
#include "util/random.hpp"

namespace congress::api {

namespace {

using nlohmann::json;
using storage::Connection;

constexpr std::size_t max_nights = 31;

// ---- reading bodies -----------------------------------------------------------------------

bool is_room_type(std::string_view text) {
    if (text.empty() || text.size() > 40) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

std::optional<std::string> optional_room_type(const json& body, const char* field) {
    if (!body.contains(field) || body[field].is_null()) return std::nullopt;
    if (!body[field].is_string() || !is_room_type(body[field].get_ref<const std::string&>()))
        throw FieldError(field, "room_type must be a key of 1 to 40 lower-case letters, digits, '-' or '_' (\"double\").");
    return body[field].get<std::string>();
}

// 1..31 dates "2014-10-07", each the day after the one before.
std::vector<domain::Night> nights_of(const json& body) {
    if (!body.contains("nights") || !body["nights"].is_array() || body["nights"].empty() ||
        body["nights"].size() > max_nights)
        throw FieldError("nights", "nights must list 1 to 31 dates like \"2014-10-07\" (the night that starts that evening).");
    std::vector<domain::Night> nights;
    for (const auto& item : body["nights"]) {
        const auto night = item.is_string() ? domain::parse_night(item.get_ref<const std::string&>()) : std::nullopt;
        if (!night) throw FieldError("nights", "Each night must be a date like \"2014-10-07\".");
        nights.push_back(*night);
    }
    if (!domain::contiguous(nights))
        throw FieldError("nights", "The nights must follow one another, in order, without gaps.");
    return nights;
}

std::optional<std::int64_t> optional_amount(const json& body, const char* field) {
    if (!body.contains(field) || body[field].is_null()) return std::nullopt;
    const auto& value = body[field];
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0 || value.get<std::int64_t>() > 1'000'000'000'000LL)
        throw FieldError(field, std::string(field) + " must be a whole number of minor units (cents, paise), 0 or more.");
    return value.get<std::int64_t>();
}

std::optional<std::string> optional_currency(const json& body, const char* field) {
    if (!body.contains(field) || body[field].is_null()) return std::nullopt;
    const auto& value = body[field];
    const bool ok = value.is_string() && value.get_ref<const std::string&>().size() == 3 &&
                    std::all_of(value.get_ref<const std::string&>().begin(), value.get_ref<const std::string&>().end(),
                                [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!ok) throw FieldError(field, "currency must be an ISO 4217 code such as \"INR\" or \"EUR\".");
    return value.get<std::string>();
}

std::optional<std::string> optional_url(const json& body, const char* field) {
    auto text = optional_text(body, field, 500);
    if (text && !text->empty() && text->rfind("https://", 0) != 0 && text->rfind("http://", 0) != 0)
        throw FieldError(field, std::string(field) + " must be an http:// or https:// address.");
    return text;
}

storage::HotelInput hotel_input(const json& body, bool create) {
    organiser::refuse_unknown_fields(body, {"name", "address", "map_url", "distance", "notes"});
    storage::HotelInput input;
    if (create) input.name = required_text(body, "name", 200);
    else input.name = optional_text(body, "name", 200);
    if (input.name && input.name->empty()) throw FieldError("name", "A hotel needs a name.");
    input.address = organiser::optional_multiline(body, "address", 500);
    input.map_url = optional_url(body, "map_url");
    input.distance = optional_text(body, "distance", 200);
    input.notes = organiser::optional_multiline(body, "notes", 2000);
    return input;
}

// ---- answers --------------------------------------------------------------------------------

std::string zone_of(Connection& conn, domain::Id event_id) {
    const auto event = storage::load_event(conn, event_id);
    if (!event) throw domain::NotFound("event_not_found", "There is no such event.");
    return event->timezone;
}

json hotel_json(const storage::Hotel& h) {
    return {{"id", h.id},
            {"name", h.name},
            {"address", h.address},
            {"map_url", h.map_url ? json(*h.map_url) : json(nullptr)},
            {"distance", h.distance ? json(*h.distance) : json(nullptr)},
            {"notes", h.notes ? json(*h.notes) : json(nullptr)}};
}

json block_json(const storage::RoomBlock& b, const std::string& zone, domain::Instant now) {
    return {{"id", b.id},
            {"hotel_id", b.hotel_id},
            {"night", b.night},
            {"room_type", b.room_type},
            {"room_label", b.room_label},
            {"held", b.held},
            {"allotted", b.allotted},
            {"waitlisted", b.waitlisted},
            {"remaining", b.remaining(now)},
            {"rate_minor", b.rate_minor},
            {"currency", b.currency},
            {"release_at", b.release_at ? json(domain::format_in_zone(*b.release_at, zone)) : json(nullptr)},
            {"released", b.released(now)}};
}

json hotel_with_blocks_json(const storage::HotelWithBlocks& h, const std::string& zone, domain::Instant now) {
    auto out = hotel_json(h.hotel);
    json types = json::array();
    json blocks = json::array();
    std::vector<std::string> seen;
    for (const auto& b : h.blocks) {
        blocks.push_back(block_json(b, zone, now));
        if (std::find(seen.begin(), seen.end(), b.room_type) != seen.end()) continue;
        seen.push_back(b.room_type);
        types.push_back({{"room_type", b.room_type}, {"room_label", b.room_label}});
    }
    out["room_types"] = std::move(types);
    out["blocks"] = std::move(blocks);
    return out;
}

Response private_json(int status, const json& body) {
    return organiser::private_response(json_response(status, json_text(body)));
}

// ---- public ------------------------------------------------------------------------------------

void list_hotels(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto ident = params.get("id");
    const auto id = parse_id(ident);
    if (!id && !is_slug(ident)) throw ApiError(404, "event_not_found", "There is no such event.");
    services.db.read([id, slug = std::string(ident), respond = std::move(respond), rid = request.request_id](Connection& conn) {
        Response response;
        try {
            const auto event_id = id ? id : storage::find_event_id_by_slug(conn, slug);
            if (!event_id) throw domain::NotFound("event_not_found", "There is no such event.");
            const auto event = storage::load_event(conn, *event_id);
            if (!event) throw domain::NotFound("event_not_found", "There is no such event.");
            const auto now = domain::now();
            const auto span = domain::event_nights(*event);
            json hotels = json::array();
            for (const auto& h : storage::list_hotels(conn, event->id)) hotels.push_back(hotel_with_blocks_json(h, event->timezone, now));
            response = json_response(200, json_text({{"event",
                                                      {{"id", event->id},
                                                       {"timezone", event->timezone},
                                                       {"nights",
                                                        {{"first", domain::format_night(span.first)},
                                                         {"last", domain::format_night(span.last)}}}}},
                                                     {"hotels", std::move(hotels)}}));
            // Counts move with every allotment (and are pushed live): never served stale.
            response.set_header("Cache-Control", "no-cache");
        } catch (...) {
            response = response_for_exception(std::current_exception(), rid);
        }
        respond(std::move(response));
    });
}

// ---- organisers ------------------------------------------------------------------------------

void create_hotel(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    auto input = hotel_input(parse_json_object(request), true);
    organiser::write_then_answer(
        services, request,
        [event, input, context = organiser::audit_context(request)](Connection& conn, storage::ChangeSet&) {
            return json{{"id", storage::create_hotel(conn, event, input, context, domain::now()).id}};
        },
        [event](Connection& conn, const json& result) {
            const auto hotel = storage::load_hotel(conn, event, result["id"].get<domain::Id>());
            if (!hotel) throw domain::NotFound("hotel_not_found", "There is no such hotel.");
            return private_json(201, {{"hotel", hotel_with_blocks_json(*hotel, zone_of(conn, event), domain::now())}});
        },
        std::move(respond));
}

void update_hotel(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    const auto hotel = organiser::path_id(params, "hotel_id", "hotel_not_found");
    auto input = hotel_input(parse_json_object(request), false);
    organiser::write_then_answer(
        services, request,
        [event, hotel, input, context = organiser::audit_context(request)](Connection& conn, storage::ChangeSet&) {
            storage::update_hotel(conn, event, hotel, input, context, domain::now());
            return json{{"id", hotel}};
        },
        [event, hotel](Connection& conn, const json&) {
            const auto found = storage::load_hotel(conn, event, hotel);
            if (!found) throw domain::NotFound("hotel_not_found", "There is no such hotel.");
            return private_json(200, {{"hotel", hotel_with_blocks_json(*found, zone_of(conn, event), domain::now())}});
        },
        std::move(respond));
}

storage::BlockInput block_input(const json& body, bool create) {
    storage::BlockInput input;
    if (create) {
        organiser::refuse_unknown_fields(body, {"nights", "room_type", "room_label", "held", "rate_minor", "currency", "release_at"});
        input.nights = nights_of(body);
        input.room_type = optional_room_type(body, "room_type");
        if (!input.room_type) throw FieldError("room_type", "Give the room type's key, e.g. \"double\".");
        input.room_label = required_text(body, "room_label", 100);
    } else {
        organiser::refuse_unknown_fields(body, {"room_label", "held", "rate_minor", "currency", "release_at"});
        input.room_label = optional_text(body, "room_label", 100);
        if (input.room_label && input.room_label->empty()) throw FieldError("room_label", "room_label must not be empty.");
    }
    input.held = organiser::optional_int(body, "held", 0, 100000);
    input.rate_minor = optional_amount(body, "rate_minor");
    input.currency = optional_currency(body, "currency");
    input.release_at = organiser::nullable_local_time(body, "release_at");
    if (create) {
        if (!input.held) throw FieldError("held", "Give the number of rooms the hotel holds each night.");
        if (!input.rate_minor) throw FieldError("rate_minor", "Give the negotiated rate per room and night, in minor units.");
        if (!input.currency) throw FieldError("currency", "Give the rate's currency, e.g. \"INR\".");
    }
    return input;
}

void create_blocks(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    const auto hotel = organiser::path_id(params, "hotel_id", "hotel_not_found");
    auto input = block_input(parse_json_object(request), true);
    organiser::write_then_answer(
        services, request,
        [event, hotel, input, context = organiser::audit_context(request)](Connection& conn, storage::ChangeSet& changes) {
            const auto now = domain::now();
            const auto zone = zone_of(conn, event);
            json blocks = json::array();
            for (const auto& b : storage::create_blocks(conn, changes, event, hotel, input, context, now))
                blocks.push_back(block_json(b, zone, now));
            return json{{"blocks", std::move(blocks)}};
        },
        [](Connection&, const json& result) { return private_json(201, result); }, std::move(respond));
}

void update_block(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    const auto hotel = organiser::path_id(params, "hotel_id", "hotel_not_found");
    const auto block = organiser::path_id(params, "block_id", "block_not_found");
    auto input = block_input(parse_json_object(request), false);
    organiser::write_then_answer(
        services, request,
        [event, hotel, block, input, context = organiser::audit_context(request)](Connection& conn,
                                                                                 storage::ChangeSet& changes) {
            const auto now = domain::now();
            const auto updated = storage::update_block(conn, changes, event, hotel, block, input, context, now);
            return json{{"block", block_json(updated, zone_of(conn, event), now)}};
        },
        [](Connection&, const json& result) { return private_json(200, result); }, std::move(respond));
}

json rooming_entry_json(const storage::RoomingEntry& e, const std::string& zone) {
    const auto last = domain::parse_night(e.last_night);
    return {{"request_id", e.request_id},
            {"registration_id", e.registration_id},
            {"name", e.name},
            {"email", e.email},
            {"organisation", e.organisation ? json(*e.organisation) : json(nullptr)},
            {"status", domain::to_string(e.status)},
            {"room_type", e.room_type},
            {"room_label", e.room_label},
            {"check_in", e.first_night},
            {"check_out", last ? json(domain::format_night(*last + date::days(1))) : json(nullptr)},
            {"nights", e.nights},
            {"sharing_with", e.sharing_with ? json(*e.sharing_with) : json(nullptr)},
            {"waitlist_position", e.waitlist_position ? json(*e.waitlist_position) : json(nullptr)},
            {"requested_at", domain::format_in_zone(e.requested_at, zone)}};
}

void rooming_list(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    const auto hotel = organiser::path_id(params, "hotel_id", "hotel_not_found");
    organiser::read_then_respond(
        services, request,
        [event, hotel](Connection& conn) {
            const auto zone = zone_of(conn, event);
            const auto found = storage::load_hotel(conn, event, hotel);
            if (!found) throw domain::NotFound("hotel_not_found", "There is no such hotel for this event.");
            json rooms = json::array();
            for (const auto& e : storage::rooming_list(conn, event, hotel)) rooms.push_back(rooming_entry_json(e, zone));
            return private_json(200, {{"hotel", hotel_with_blocks_json(*found, zone, domain::now())}, {"rooming", std::move(rooms)}});
        },
        std::move(respond));
}

std::string local_cell(domain::Instant instant, const std::string& zone) {
    auto text = domain::format_in_zone(instant, zone).substr(0, 16);
    text[10] = ' ';
    return text;
}

// The list for the hotel: one row per request, allotted first. Recorded in the audit log
// (who took the personal data away), as the registrations export is.
void rooming_csv(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    const auto hotel = organiser::path_id(params, "hotel_id", "hotel_not_found");
    services.db.read([&services, request, event, hotel, respond = std::move(respond)](Connection& conn) mutable {
        try {
            const auto found_event = storage::load_event(conn, event);
            if (!found_event) throw domain::NotFound("event_not_found", "There is no such event.");
            const auto& zone = found_event->timezone;
            const auto rows = storage::rooming_list(conn, event, hotel);
            CsvWriter out;
            out.row({"request_id", "registration_id", "name", "email", "organisation", "status", "room_type", "room",
                     "check_in", "check_out", "nights", "sharing_with", "waitlist_position",
                     "requested_at (" + zone + ")"});
            for (const auto& e : rows) {
                const auto last = domain::parse_night(e.last_night);
                out.row({std::to_string(e.request_id), std::to_string(e.registration_id), e.name, e.email,
                         e.organisation.value_or(""), std::string(domain::to_string(e.status)), e.room_type, e.room_label,
                         e.first_night, last ? domain::format_night(*last + date::days(1)) : std::string(),
                         std::to_string(e.nights), e.sharing_with.value_or(""),
                         e.waitlist_position ? std::to_string(*e.waitlist_position) : std::string(),
                         local_cell(e.requested_at, zone)});
            }
            auto csv = std::make_shared<std::string>(out.take());
            const auto filename = found_event->slug + "-hotel-" + std::to_string(hotel) + "-rooming.csv";
            auto context = organiser::audit_context(request);
            const json details = {{"hotel_id", hotel}, {"rows", rows.size()}};
            services.db.write(
                [event, hotel, details, context](Connection& writer, storage::ChangeSet&) {
                    storage::append_audit(writer, storage::audit_entry(context, "rooming.export", "hotel", hotel, event,
                                                                       std::nullopt, details.dump(), domain::now()));
                },
                [csv, filename, respond = std::move(respond), rid = request.request_id](std::exception_ptr error) {
                    if (error) return respond(organiser::private_response(response_for_exception(error, rid)));
                    auto response = text_response(200, "text/csv; charset=utf-8", std::move(*csv));
                    response.set_header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
                    respond(organiser::private_response(std::move(response)));
                });
        } catch (...) {
            respond(organiser::private_response(response_for_exception(std::current_exception(), request.request_id)));
        }
    });
}

// ---- delegates -----------------------------------------------------------------------------------

std::string code_of(const RouteParams& params) {
    const auto code = params.get("code");
    if (!util::looks_like_code(code)) throw ApiError(404, "registration_not_found", "There is no registration with this code.");
    return std::string(code);
}

// Runs a delegate's change on the writer and answers after the commit.
void delegate_write(Services& services, const Request& request,
                    std::function<Response(Connection&, storage::ChangeSet&)> change, Responder respond) {
    auto answer = std::make_shared<Response>();
    services.db.write([answer, change = std::move(change)](Connection& conn, storage::ChangeSet& changes) {
        *answer = change(conn, changes);
    },
                      [answer, respond = std::move(respond), rid = request.request_id](std::exception_ptr error) {
                          if (error) return respond(organiser::private_response(response_for_exception(error, rid)));
                          respond(organiser::private_response(std::move(*answer)));
                      });
}

void request_accommodation(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    auto code = code_of(params);
    const auto body = parse_json_object(request);
    organiser::refuse_unknown_fields(body, {"hotel_id", "room_type", "nights", "sharing_with"});
    storage::AccommodationInput input;
    input.hotel_id = required_id(body, "hotel_id");
    if (!body.contains("room_type") || !body["room_type"].is_string())
        throw FieldError("room_type", "Give the room type, e.g. \"double\".");
    const auto& type = body["room_type"].get_ref<const std::string&>();
    if (!is_room_type(type)) throw FieldError("room_type", "There is no room type \"" + type.substr(0, 40) + "\".");
    input.room_type = type;
    input.nights = nights_of(body);
    input.sharing_with = optional_text(body, "sharing_with", 200);
    if (input.sharing_with && input.sharing_with->empty()) input.sharing_with.reset();
    delegate_write(
        services, request,
        [code = std::move(code), input = std::move(input)](Connection& conn, storage::ChangeSet& changes) {
            const auto view = storage::request_accommodation(conn, changes, code, input, domain::now());
            return json_response(201, json_text({{"accommodation", accommodation_json(view, zone_of(conn, view.event_id))}}));
        },
        std::move(respond));
}

void get_accommodation(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    auto code = code_of(params);
    services.db.read([code = std::move(code), respond = std::move(respond), rid = request.request_id](Connection& conn) {
        Response response;
        try {
            const auto view = storage::load_accommodation(conn, code);
            response = json_response(
                200, json_text({{"accommodation", view ? accommodation_json(*view, zone_of(conn, view->event_id)) : json(nullptr)}}));
        } catch (...) {
            response = response_for_exception(std::current_exception(), rid);
        }
        respond(organiser::private_response(std::move(response)));
    });
}

void cancel_accommodation(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    auto code = code_of(params);
    delegate_write(
        services, request,
        [code = std::move(code)](Connection& conn, storage::ChangeSet& changes) {
            const auto view = storage::cancel_accommodation(conn, changes, code, domain::now());
            return json_response(200, json_text({{"accommodation", accommodation_json(view, zone_of(conn, view.event_id))}}));
        },
        std::move(respond));
}

using Handler = void (*)(Services&, const Request&, const RouteParams&, Responder);

void add(Router& router, Services& services, const char* method, const char* pattern, Access access, Handler handler) {
    router.add(method, pattern, access, [&services, handler](const Request& request, const RouteParams& params, Responder respond) {
        handler(services, request, params, std::move(respond));
    });
}

}  // namespace

void add_hotel_routes(Router& router, Services& services) {
    add(router, services, "GET", "/api/events/{id}/hotels", Access::public_read, list_hotels);
    add(router, services, "POST", "/api/events/{id}/hotels", Access::organiser, create_hotel);
    add(router, services, "PATCH", "/api/events/{id}/hotels/{hotel_id}", Access::organiser, update_hotel);
    add(router, services, "POST", "/api/events/{id}/hotels/{hotel_id}/blocks", Access::organiser, create_blocks);
    add(router, services, "PATCH", "/api/events/{id}/hotels/{hotel_id}/blocks/{block_id}", Access::organiser, update_block);
    add(router, services, "GET", "/api/events/{id}/hotels/{hotel_id}/rooming", Access::organiser, rooming_list);
    add(router, services, "GET", "/api/events/{id}/hotels/{hotel_id}/rooming.csv", Access::organiser, rooming_csv);
    add(router, services, "POST", "/api/registrations/{code}/accommodation", Access::registration_code, request_accommodation);
    add(router, services, "GET", "/api/registrations/{code}/accommodation", Access::registration_code, get_accommodation);
    add(router, services, "DELETE", "/api/registrations/{code}/accommodation", Access::registration_code, cancel_accommodation);
}

}  // namespace congress::api
