// Visa invitation letters (docs/letters.md).
//
// Requests and decisions are commands of the single writer. The passport number is sealed
// (AES-256-GCM) inside the command and only ever leaves the server decrypted in the answer
// to an organiser's GET of one letter; the delegate is shown its last three characters.
#include "api/letter_handlers.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include "api/errors.hpp"
#include "api/json_text.hpp"
#include "api/organiser_handlers_support.hpp"
#include "api/request_body.hpp"
#include "badge/qr.hpp"
#include "storage/event_repository.hpp"
#include "storage/letter_store.hpp"
#include "storage/registration_store.hpp"
#include "util/random.hpp"

namespace congress::api {

namespace {

using nlohmann::json;
using storage::Connection;

const auth::SealKey& key_of(const Services& services) {
    if (!services.letters_key)
        throw ApiError(503, "letters_unavailable",
                       "Invitation letters are not available: the server has no letters key file "
                       "(--letters-key-file). Tell the organisers.");
    return *services.letters_key;
}

json nullable(const std::optional<std::string>& text) { return text ? json(*text) : json(nullptr); }

domain::Event event_of(Connection& conn, domain::Id event_id) {
    auto event = storage::load_event(conn, event_id);
    if (!event) throw domain::NotFound("event_not_found", "There is no such event.");
    return std::move(*event);
}

// What both delegate and organiser see. Never the passport number itself.
json letter_json(const storage::Letter& l, const std::string& zone) {
    json out = {{"id", l.id},
                {"registration_id", l.registration_id},
                {"event_id", l.event_id},
                {"passport_name", l.passport_name},
                {"nationality", l.nationality},
                {"passport_number_last3", nullable(l.passport_last3)},
                {"birth_date", nullable(l.birth_date)},
                {"arrival", l.arrival},
                {"departure", l.departure},
                {"status", std::string(storage::to_string(l.status))},
                {"reason", nullable(l.reason)},
                {"decided_at", l.decided_at ? json(domain::format_in_zone(*l.decided_at, zone)) : json(nullptr)},
                {"letter_number", nullable(l.letter_number)},
                {"verification_code", nullable(l.verification_code)},
                {"purged", l.purged_at.has_value()},
                {"requested_at", domain::format_in_zone(l.requested_at, zone)}};
    if (l.verification_code) out["verification_path"] = "/api/letters/verify/" + *l.verification_code;
    return out;
}

json organiser_letter_json(const storage::Letter& l, const std::string& zone) {
    auto out = letter_json(l, zone);
    out["delegate_name"] = l.delegate_name;
    out["decided_by"] = nullable(l.decided_by);
    out["purged_at"] = l.purged_at ? json(domain::format_in_zone(*l.purged_at, zone)) : json(nullptr);
    return out;
}

std::string text_field(const json& body, const char* field, std::size_t max_chars) {
    return required_text(body, field, max_chars);
}

// ---- delegates -------------------------------------------------------------------------------

std::string code_of(const RouteParams& params) {
    const auto code = params.get("code");
    if (!util::looks_like_code(code)) throw ApiError(404, "registration_not_found", "There is no registration with this code.");
    return std::string(code);
}

void request_letter(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto key = key_of(services);
    auto code = code_of(params);
    const auto body = parse_json_object(request);
    organiser::refuse_unknown_fields(body, {"passport_name", "nationality", "passport_number", "birth_date", "arrival",
                                            "departure"});
    storage::LetterInput input{text_field(body, "passport_name", 200), text_field(body, "nationality", 2),
                               text_field(body, "passport_number", 40), text_field(body, "birth_date", 10),
                               text_field(body, "arrival", 10),        text_field(body, "departure", 10)};
    auto answer = std::make_shared<Response>();
    services.db.write(
        [answer, key, code = std::move(code), input = std::move(input)](Connection& conn, storage::ChangeSet&) {
            const auto letter = storage::request_letter(conn, key, code, input, domain::now());
            *answer = json_response(201, json_text({{"letter", letter_json(letter, event_of(conn, letter.event_id).timezone)}}));
        },
        [answer, respond = std::move(respond), rid = request.request_id](std::exception_ptr error) {
            if (error) return respond(organiser::private_response(response_for_exception(error, rid)));
            respond(organiser::private_response(std::move(*answer)));
        });
}

// The one letter route that answers without the key file: the delegate's page asks it for
// every confirmed registration, and on a server that holds no letters it learns so
// ("available": false) without an error, and shows no letter section.
void get_letter(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const bool available = services.letters_key != nullptr;
    auto code = code_of(params);
    services.db.read([code = std::move(code), available, respond = std::move(respond), rid = request.request_id](Connection& conn) {
        Response response;
        try {
            const auto letter = available ? storage::load_letter_of(conn, code) : std::nullopt;
            if (!available && !storage::load_registration(conn, code))
                throw ApiError(404, "registration_not_found", "There is no registration with this code.");
            response = json_response(
                200, json_text({{"letter", letter ? letter_json(*letter, event_of(conn, letter->event_id).timezone) : json(nullptr)},
                                {"available", available}}));
        } catch (...) {
            response = response_for_exception(std::current_exception(), rid);
        }
        respond(organiser::private_response(std::move(response)));
    });
}

// ---- organisers ---------------------------------------------------------------------------------

void list_letters(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    key_of(services);
    const auto event = organiser::event_id(params);
    std::optional<storage::LetterStatus> status;
    if (const auto text = organiser::query_param(request.query, "status")) {
        status = storage::parse_letter_status(*text);
        if (!status)
            throw ApiError(400, "invalid_query", "status must be requested, approved, refused or revoked.");
    }
    organiser::read_then_respond(
        services, request,
        [event, status](Connection& conn) {
            const auto zone = event_of(conn, event).timezone;
            json letters = json::array();
            for (const auto& l : storage::list_letters(conn, event, status)) letters.push_back(organiser_letter_json(l, zone));
            return organiser::private_response(json_response(200, json_text({{"letters", std::move(letters)}})));
        },
        std::move(respond));
}

void show_letter(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto key = key_of(services);
    const auto event = organiser::event_id(params);
    const auto letter = organiser::path_id(params, "letter_id", "letter_not_found");
    organiser::read_then_respond(
        services, request,
        [key, event, letter](Connection& conn) {
            const auto zone = event_of(conn, event).timezone;
            const auto l = storage::load_letter_for_organiser(conn, key, event, letter);
            auto out = organiser_letter_json(l, zone);
            out["passport_number"] = nullable(l.passport_number);
            return organiser::private_response(json_response(200, json_text({{"letter", std::move(out)}})));
        },
        std::move(respond));
}

enum class Decision { approve, refuse, revoke };

void decide(Services& services, const Request& request, const RouteParams& params, Responder respond, Decision decision) {
    key_of(services);
    const auto event = organiser::event_id(params);
    const auto letter = organiser::path_id(params, "letter_id", "letter_not_found");
    std::string reason;
    if (decision == Decision::approve) {
        if (!request.body.empty()) organiser::refuse_unknown_fields(parse_json_object(request), {});
    } else {
        const auto body = parse_json_object(request);
        organiser::refuse_unknown_fields(body, {"reason"});
        reason = required_text(body, "reason", 500);
    }
    organiser::write_then_answer(
        services, request,
        [event, letter, decision, reason, context = organiser::audit_context(request)](Connection& conn,
                                                                                        storage::ChangeSet&) {
            const auto now = domain::now();
            switch (decision) {
                case Decision::approve: storage::approve_letter(conn, event, letter, context, now); break;
                case Decision::refuse: storage::refuse_letter(conn, event, letter, reason, context, now); break;
                case Decision::revoke: storage::revoke_letter(conn, event, letter, reason, context, now); break;
            }
            return json{{"id", letter}};
        },
        [event](Connection& conn, const json& result) {
            const auto zone = event_of(conn, event).timezone;
            const auto l = storage::load_letter(conn, event, result.at("id").get<domain::Id>());
            return organiser::private_response(json_response(200, json_text({{"letter", organiser_letter_json(l, zone)}})));
        },
        std::move(respond));
}

void approve_letter(Services& s, const Request& r, const RouteParams& p, Responder respond) {
    decide(s, r, p, std::move(respond), Decision::approve);
}
void refuse_letter(Services& s, const Request& r, const RouteParams& p, Responder respond) {
    decide(s, r, p, std::move(respond), Decision::refuse);
}
void revoke_letter(Services& s, const Request& r, const RouteParams& p, Responder respond) {
    decide(s, r, p, std::move(respond), Decision::revoke);
}

// ---- the printed letter ------------------------------------------------------------------------

json letterhead_json(const storage::Letterhead& l, const std::string& zone) {
    return {{"organisation", l.organisation},
            {"address", l.address},
            {"signatory_name", l.signatory_name},
            {"signatory_title", l.signatory_title},
            {"contact_email", l.contact_email},
            {"website", l.website},
            {"customised", l.customised},
            {"updated_by", nullable(l.updated_by)},
            {"updated_at", l.updated_at ? json(domain::format_in_zone(*l.updated_at, zone)) : json(nullptr)}};
}

// The server's address as the browser reached it, for the verification link printed on the
// letter and in its QR code: "https://congress.example.org" (http without TLS). A Host
// header that is not a plain host name or address (with an optional port) is not trusted.
std::string public_origin(const Request& request) {
    const auto host = request.header("Host");
    const bool plain = !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    });
    return std::string(request.secure ? "https://" : "http://") + (plain ? std::string(host) : std::string("localhost"));
}

// What the printed letter shows. The passport number only on the organisers' copy.
json printable_json(const storage::PrintableLetter& p, const std::string& origin, bool organiser_copy) {
    const auto& zone = p.event.timezone;
    auto letter = organiser_copy ? organiser_letter_json(p.letter, zone) : letter_json(p.letter, zone);
    if (organiser_copy) letter["passport_number"] = nullable(p.letter.passport_number);
    const auto url = origin + "/letters/verify/" + p.letter.verification_code.value_or("");
    json venue = nullptr;
    if (p.event.venue)
        venue = {{"name", p.event.venue->name},
                 {"address", p.event.venue->address},
                 {"city", p.event.venue->city},
                 {"country", p.event.venue->country}};
    return {{"letter", std::move(letter)},
            {"copy", organiser_copy ? "organiser" : "delegate"},
            {"event", {{"id", p.event.id},
                       {"title", p.event.title},
                       {"timezone", zone},
                       {"starts_at", domain::format_in_zone(p.event.starts_at, zone)},
                       {"ends_at", domain::format_in_zone(p.event.ends_at, zone)},
                       {"venue", std::move(venue)}}},
            {"letterhead", letterhead_json(p.letterhead, zone)},
            {"issued_on", p.letter.decided_at ? json(domain::format_in_zone(*p.letter.decided_at, zone).substr(0, 10))
                                              : json(nullptr)},
            {"verification_url", url},
            {"qr_svg", badge::qr_svg(url)}};
}

void print_own_letter(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    key_of(services);
    auto code = code_of(params);
    services.db.read([code = std::move(code), origin = public_origin(request), respond = std::move(respond),
                      rid = request.request_id](Connection& conn) {
        Response response;
        try {
            const auto printable = storage::load_printable_letter_of(conn, code);
            response = json_response(200, json_text(printable_json(printable, origin, false)));
        } catch (...) {
            response = response_for_exception(std::current_exception(), rid);
        }
        respond(organiser::private_response(std::move(response)));
    });
}

void print_letter(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto key = key_of(services);
    const auto event = organiser::event_id(params);
    const auto letter = organiser::path_id(params, "letter_id", "letter_not_found");
    organiser::read_then_respond(
        services, request,
        [key, event, letter, origin = public_origin(request)](Connection& conn) {
            auto printable = storage::load_printable_letter(conn, event, letter);
            printable.letter.passport_number = storage::load_letter_for_organiser(conn, key, event, letter).passport_number;
            return organiser::private_response(json_response(200, json_text(printable_json(printable, origin, true))));
        },
        std::move(respond));
}

void get_letterhead(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    key_of(services);
    const auto event = organiser::event_id(params);
    organiser::read_then_respond(
        services, request,
        [event](Connection& conn) {
            const auto zone = event_of(conn, event).timezone;
            const auto head = storage::load_letterhead(conn, event);
            return organiser::private_response(json_response(200, json_text({{"letterhead", letterhead_json(head, zone)}})));
        },
        std::move(respond));
}

// Optional text where "" is allowed (clears the field): absent keeps the current value.
std::optional<std::string> optional_blank_text(const json& body, const char* field, std::size_t max_chars) {
    if (!body.contains(field)) return std::nullopt;
    if (!body[field].is_string()) throw FieldError(field, std::string(field) + " must be text.");
    return optional_text(body, field, max_chars).value_or("");
}

void update_letterhead(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    key_of(services);
    const auto event = organiser::event_id(params);
    const auto body = parse_json_object(request);
    organiser::refuse_unknown_fields(body, {"organisation", "address", "signatory_name", "signatory_title",
                                            "contact_email", "website"});
    // Checked here, at the edge; merged with the current letterhead by the writer.
    std::optional<std::string> organisation;
    if (body.contains("organisation")) organisation = required_text(body, "organisation", 200);
    std::optional<std::string> address;
    if (body.contains("address")) {
        if (!body["address"].is_string()) throw FieldError("address", "address must be text.");
        address = organiser::optional_multiline(body, "address", 500).value_or("");
    }
    const auto signatory_name = optional_blank_text(body, "signatory_name", 200);
    const auto signatory_title = optional_blank_text(body, "signatory_title", 200);
    std::optional<std::string> contact_email;
    if (body.contains("contact_email")) {
        contact_email = optional_blank_text(body, "contact_email", 254);
        if (!contact_email->empty()) contact_email = required_email(body, "contact_email");
    }
    auto website = optional_blank_text(body, "website", 200);
    if (website && !website->empty() && website->rfind("https://", 0) != 0 && website->rfind("http://", 0) != 0)
        throw FieldError("website", "website must be an address starting with https:// or http://.");
    organiser::write_then_answer(
        services, request,
        [event, organisation, address, signatory_name, signatory_title, contact_email, website,
         context = organiser::audit_context(request)](Connection& conn, storage::ChangeSet&) {
            auto head = storage::load_letterhead(conn, event);
            if (organisation) head.organisation = *organisation;
            if (address) head.address = *address;
            if (signatory_name) head.signatory_name = *signatory_name;
            if (signatory_title) head.signatory_title = *signatory_title;
            if (contact_email) head.contact_email = *contact_email;
            if (website) head.website = *website;
            storage::save_letterhead(conn, event, head, context, domain::now());
            return json{{"event_id", event}};
        },
        [event](Connection& conn, const json&) {
            const auto zone = event_of(conn, event).timezone;
            const auto head = storage::load_letterhead(conn, event);
            return organiser::private_response(json_response(200, json_text({{"letterhead", letterhead_json(head, zone)}})));
        },
        std::move(respond));
}

// ---- anyone holding the letter ----------------------------------------------------------------

void verify_letter(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    key_of(services);
    auto code = std::string(params.get("verification_code"));
    services.db.read([code = std::move(code), respond = std::move(respond), rid = request.request_id](Connection& conn) {
        Response response;
        try {
            const auto v = storage::verify_letter(conn, code);
            if (!v) throw ApiError(404, "letter_not_found", "There is no letter with this verification code.");
            json out = {{"genuine", true},
                        {"letter_number", v->letter_number},
                        {"passport_name", v->passport_name},
                        {"event", {{"title", v->event_title},
                                   {"timezone", v->timezone},
                                   {"starts_at", domain::format_in_zone(v->event_starts_at, v->timezone)},
                                   {"ends_at", domain::format_in_zone(v->event_ends_at, v->timezone)}}},
                        {"revoked", v->revoked},
                        {"revoked_at", v->revoked_at ? json(domain::format_in_zone(*v->revoked_at, v->timezone)) : json(nullptr)}};
            response = json_response(200, json_text(out));
        } catch (...) {
            response = response_for_exception(std::current_exception(), rid);
        }
        // A revocation must show at once: never cached.
        respond(organiser::private_response(std::move(response)));
    });
}

using Handler = void (*)(Services&, const Request&, const RouteParams&, Responder);

void add(Router& router, Services& services, const char* method, const char* pattern, Access access, Handler handler) {
    router.add(method, pattern, access, [&services, handler](const Request& request, const RouteParams& params, Responder respond) {
        handler(services, request, params, std::move(respond));
    });
}

}  // namespace

void add_letter_routes(Router& router, Services& services) {
    add(router, services, "POST", "/api/registrations/{code}/letter", Access::registration_code, request_letter);
    add(router, services, "GET", "/api/registrations/{code}/letter", Access::registration_code, get_letter);
    add(router, services, "GET", "/api/events/{id}/letters", Access::organiser, list_letters);
    add(router, services, "GET", "/api/events/{id}/letters/{letter_id}", Access::organiser, show_letter);
    add(router, services, "POST", "/api/events/{id}/letters/{letter_id}/approve", Access::organiser, approve_letter);
    add(router, services, "POST", "/api/events/{id}/letters/{letter_id}/refuse", Access::organiser, refuse_letter);
    add(router, services, "POST", "/api/events/{id}/letters/{letter_id}/revoke", Access::organiser, revoke_letter);
    add(router, services, "GET", "/api/registrations/{code}/letter/print", Access::registration_code, print_own_letter);
    add(router, services, "GET", "/api/events/{id}/letters/{letter_id}/print", Access::organiser, print_letter);
    add(router, services, "GET", "/api/events/{id}/letterhead", Access::organiser, get_letterhead);
    add(router, services, "PATCH", "/api/events/{id}/letterhead", Access::organiser, update_letterhead);
    add(router, services, "GET", "/api/letters/verify/{verification_code}", Access::public_read, verify_letter);
}

}  // namespace congress::api
