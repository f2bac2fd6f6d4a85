// Check-in desks and badges (docs/checkin.md).
//
// A scanned token is verified where it arrives, with the event's public key from memory;
// only when the key has not been read yet does the writer verify it. The single writer then
// decides the check-in and the desk is answered after the commit is on disk.
#include "api/checkin_handlers.hpp"

#include <algorithm>
#include <memory>

#include "api/badge_keys.hpp"
#include "api/checkin_json.hpp"
#include "api/errors.hpp"
#include "api/json_text.hpp"
#include "api/organiser_handlers_support.hpp"
#include "api/request_body.hpp"
#include "app/checkin.hpp"
#include "auth/base64.hpp"
#include "badge/qr.hpp"
#include "storage/checkin_store.hpp"
#include "storage/event_repository.hpp"
#include "storage/registration_store.hpp"
#include "util/log.hpp"
#include "util/random.hpp"

namespace congress::api {

namespace {

using nlohmann::json;
using organiser::caller;
using storage::Connection;

constexpr std::size_t max_desk_chars = 60;
constexpr std::size_t max_sync_scans = 500;
constexpr std::size_t max_badges_per_sheet = 400;

// ---- reading a scan ---------------------------------------------------------------------

struct ScanInput {
    std::optional<std::string> token;
    std::optional<domain::Id> registration_id;
    domain::Id session_id = 0;
    std::optional<std::string> scan_id;
    domain::Instant scanned_at{};
};

bool is_scan_id(std::string_view text) {
    if (text.empty() || text.size() > 64) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

// "2014-10-07T03:42:10Z" or with fractions of a second ("…10.123Z", as a browser's
// toISOString() writes it); the fraction is dropped.
std::optional<domain::Instant> parse_scan_time(std::string_view text) {
    if (text.size() < 20 || text.size() > 30 || text.back() != 'Z') return std::nullopt;
    if (text.size() > 20) {
        if (text[19] != '.' || text.size() == 21) return std::nullopt;
        for (std::size_t i = 20; i + 1 < text.size(); ++i)
            if (text[i] < '0' || text[i] > '9') return std::nullopt;
    }
    std::string whole(text.substr(0, 19));
    whole += 'Z';
    return domain::parse_utc(whole);
}

// One scan of a request body; `prefix` names it in errors ("scans[3].").
ScanInput read_scan(const json& body, const std::string& prefix, bool offline, domain::Instant now) {
    auto field = [&](const char* name) { return prefix + name; };
    ScanInput scan;
    const bool has_token = body.contains("token") && !body["token"].is_null();
    const bool has_registration = body.contains("registration_id") && !body["registration_id"].is_null();
    if (has_token == has_registration)
        throw FieldError(field("token"), "Send either the scanned token or a registration_id, not both.");
    if (has_token) {
        if (!body["token"].is_string() || body["token"].get_ref<const std::string&>().size() > 2000)
            throw FieldError(field("token"), "token must be the scanned text.");
        scan.token = body["token"].get<std::string>();
    } else {
        if (!body["registration_id"].is_number_integer() || body["registration_id"].get<std::int64_t>() <= 0)
            throw FieldError(field("registration_id"), "registration_id must be a positive whole number.");
        scan.registration_id = body["registration_id"].get<std::int64_t>();
    }
    if (body.contains("session_id") && !body["session_id"].is_null()) {
        if (!body["session_id"].is_number_integer() || body["session_id"].get<std::int64_t>() <= 0)
            throw FieldError(field("session_id"), "session_id must be a session's id, or null for the entrance.");
        scan.session_id = body["session_id"].get<std::int64_t>();
    }
    if (body.contains("scan_id") && !body["scan_id"].is_null()) {
        if (!body["scan_id"].is_string() || !is_scan_id(body["scan_id"].get_ref<const std::string&>()))
            throw FieldError(field("scan_id"), "scan_id must be 1 to 64 letters, digits, '-' or '_'.");
        scan.scan_id = body["scan_id"].get<std::string>();
    } else if (offline) {
        throw FieldError(field("scan_id"), "Every offline scan needs the scan_id the desk gave it.");
    }
    scan.scanned_at = now;
    if (offline) {
        if (!body.contains("scanned_at") || !body["scanned_at"].is_string())
            throw FieldError(field("scanned_at"), "Every offline scan needs scanned_at, when the desk admitted the delegate.");
        const auto at = parse_scan_time(body["scanned_at"].get_ref<const std::string&>());
        if (!at) throw FieldError(field("scanned_at"), "scanned_at must be a UTC time like 2014-10-07T03:42:10Z.");
        if (*at > now + std::chrono::hours(24))
            throw FieldError(field("scanned_at"), "scanned_at is more than a day ahead of the server's clock.");
        // A desk whose clock runs a little fast still cannot date a scan after its arrival.
        scan.scanned_at = std::min(*at, now);
    }
    return scan;
}

// ---- judging a token --------------------------------------------------------------------

struct Judgement {
    std::optional<domain::Id> registration_id;  // set: a genuine badge of this event
    int status = 0;                             // otherwise the refusal
    json refusal;
};

Judgement refused(int status, const std::string& code, const std::string& message, json extra = nullptr) {
    return Judgement{std::nullopt, status, scan_refusal_json(code, message, std::move(extra))};
}

// `lookup` gives an event's key or null (none); it may throw domain::NotFound.
template <typename Lookup>
Judgement judge(const std::string& token, domain::Id event, Lookup&& lookup) {
    const auto scanned = auth::parse_badge_token(token);
    if (!scanned) return refused(422, "invalid_token", "This is not a Congress badge.");
    const auto forged = [] { return refused(422, "forged_badge", "This badge is not genuine: its signature does not verify."); };
    if (scanned->claim.event_id != event) {
        BadgeKeys::Key other;
        try {
            other = lookup(scanned->claim.event_id);
        } catch (const domain::NotFound&) {
        }
        if (other && other->key->verify(*scanned))
            return refused(409, "wrong_event", "This badge is for another event: " + other->title + ".",
                           {{"event", {{"id", other->event_id}, {"title", other->title}}}});
        return forged();
    }
    const auto own = lookup(event);
    if (!own || !own->key->verify(*scanned)) return forged();
    return Judgement{scanned->claim.registration_id, 0, nullptr};
}

// The judgement from cached keys only, or nullopt when a key is not in memory yet.
std::optional<Judgement> judge_from_memory(const BadgeKeys& keys, const std::string& token, domain::Id event) {
    if (!keys.cached(event)) return std::nullopt;
    if (const auto scanned = auth::parse_badge_token(token); scanned && scanned->claim.event_id != event &&
                                                             !keys.cached(scanned->claim.event_id))
        return std::nullopt;
    return judge(token, event, [&keys](domain::Id id) { return keys.cached(id); });
}

// ---- running a scan on the writer ----------------------------------------------------------

struct ScanAnswer {
    int status = 200;
    json body;
};

// Inside the writer's command: replays a known scan_id, judges the token if that was not done
// yet, checks in, and stores the answer under the scan_id.
ScanAnswer run_scan(Connection& conn, storage::ChangeSet& changes, BadgeKeys& keys, domain::Id event,
                    const ScanInput& scan, std::optional<Judgement> judged, const std::string& desk,
                    const domain::Principal& staff, storage::CheckinSource source, domain::Instant now) {
    if (scan.scan_id) {
        if (const auto stored = storage::find_scan(conn, event, *scan.scan_id)) {
            ScanAnswer replay{stored->status, json::parse(stored->answer, nullptr, false)};
            replay.body["replayed"] = true;
            return replay;
        }
    }
    ScanAnswer answer;
    std::optional<domain::Id> registration = scan.registration_id;
    if (scan.token) {
        if (!judged) judged = judge(*scan.token, event, [&](domain::Id id) { return keys.load(conn, id, false); });
        if (!judged->registration_id) {
            answer = {judged->status, judged->refusal};
            if (source == storage::CheckinSource::offline || judged->refusal["error"]["code"] == "forged_badge")
                log::warn("checkin", "event " + std::to_string(event) + ", " + desk + " (" + staff.email +
                                         "): " + judged->refusal["error"]["code"].get<std::string>());
        }
        registration = judged->registration_id;
    }
    if (registration) {
        storage::CheckinInput input;
        input.event_id = event;
        input.registration_id = *registration;
        input.session_id = scan.session_id;
        input.desk = desk;
        input.staff_user_id = staff.user_id;
        input.staff_name = staff.display_name.empty() ? staff.email : staff.display_name;
        input.source = scan.token ? source : (source == storage::CheckinSource::offline ? source : storage::CheckinSource::search);
        input.scanned_at = scan.scanned_at;
        try {
            const auto outcome = app::check_in(conn, changes, input, now);
            const auto key = keys.load(conn, event, false);
            std::string zone = key ? key->timezone : std::string();
            if (zone.empty()) {
                const auto found = storage::load_event(conn, event);
                zone = found ? found->timezone : "UTC";
            }
            answer = {checkin_status(outcome), checkin_outcome_json(outcome, zone)};
        } catch (const domain::NotFound& e) {
            answer = {404, scan_refusal_json(e.code(), e.what())};
        }
    }
    answer.body["replayed"] = false;
    if (scan.scan_id) storage::store_scan(conn, event, *scan.scan_id, {answer.status, answer.body.dump()}, now);
    return answer;
}

Response private_json(int status, const json& body) {
    return organiser::private_response(json_response(status, json_text(body)));
}

std::string desk_name(const json& body) { return required_text(body, "desk", max_desk_chars); }

Response error_of(std::exception_ptr error, const Request& request) {
    return organiser::private_response(response_for_exception(error, request.request_id));
}

// ---- handlers -------------------------------------------------------------------------------

void check_in(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    const auto body = parse_json_object(request);
    organiser::refuse_unknown_fields(body, {"token", "registration_id", "desk", "session_id", "scan_id"});
    const auto now = domain::now();
    auto scan = std::make_shared<ScanInput>(read_scan(body, "", false, now));
    auto desk = desk_name(body);
    auto staff = request.staff;
    auto& keys = *services.badge_keys;
    std::optional<Judgement> judged;
    if (scan->token) judged = judge_from_memory(keys, *scan->token, event);
    // Garbage, forgeries and other events' badges are answered here: nothing to record.
    if (judged && !judged->registration_id && !scan->scan_id) {
        respond(private_json(judged->status, judged->refusal));
        return;
    }
    auto answer = std::make_shared<ScanAnswer>();
    services.db.write(
        [&keys, event, scan, judged = std::move(judged), desk, staff, answer, now](Connection& conn,
                                                                                    storage::ChangeSet& changes) {
            *answer = run_scan(conn, changes, keys, event, *scan, judged, desk, *staff, storage::CheckinSource::scan, now);
        },
        [answer, respond = std::move(respond), request](std::exception_ptr error) {
            if (error) return respond(error_of(error, request));
            respond(private_json(answer->status, answer->body));
        });
}

void sync_scans(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    const auto body = parse_json_object(request);
    organiser::refuse_unknown_fields(body, {"desk", "scans"});
    auto desk = desk_name(body);
    if (!body.contains("scans") || !body["scans"].is_array())
        throw FieldError("scans", "scans must be a list of the desk's offline scans.");
    const auto& list = body["scans"];
    if (list.size() > max_sync_scans)
        throw FieldError("scans", "Send at most " + std::to_string(max_sync_scans) + " scans at a time.");
    const auto now = domain::now();
    auto scans = std::make_shared<std::vector<ScanInput>>();
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto prefix = "scans[" + std::to_string(i) + "].";
        if (!list[i].is_object()) throw FieldError("scans[" + std::to_string(i) + "]", "Each scan must be an object.");
        for (const auto& [name, value] : list[i].items())
            if (name != "scan_id" && name != "token" && name != "registration_id" && name != "session_id" &&
                name != "scanned_at")
                throw FieldError(prefix + name, "Unknown field " + name + ".");
        scans->push_back(read_scan(list[i], prefix, true, now));
    }
    auto staff = request.staff;
    auto& keys = *services.badge_keys;
    auto results = std::make_shared<json>(json::array());
    services.db.write(
        [&keys, event, scans, desk, staff, results, now](Connection& conn, storage::ChangeSet& changes) {
            for (const auto& scan : *scans) {
                auto answer = run_scan(conn, changes, keys, event, scan, std::nullopt, desk, *staff,
                                       storage::CheckinSource::offline, now);
                answer.body["scan_id"] = *scan.scan_id;
                answer.body["status"] = answer.status;
                if (!answer.body.contains("duplicate")) answer.body["duplicate"] = false;
                results->push_back(std::move(answer.body));
            }
        },
        [results, respond = std::move(respond), request](std::exception_ptr error) {
            if (error) return respond(error_of(error, request));
            respond(private_json(200, {{"results", std::move(*results)}}));
        });
}

// Runs `then` with the event's key (made if it has none yet), or answers the error.
void with_key(Services& services, const Request& request, domain::Id event, Responder respond,
              std::function<void(BadgeKeys::Key, Responder)> then) {
    services.badge_keys->get(services.db, event, true,
                             [request, respond = std::move(respond), then = std::move(then)](BadgeKeys::Key key,
                                                                                             std::exception_ptr error) mutable {
                                 if (error) return respond(error_of(error, request));
                                 try {
                                     then(std::move(key), respond);
                                 } catch (...) {
                                     respond(error_of(std::current_exception(), request));
                                 }
                             });
}

std::string token_of(const EventBadgeKey& key, domain::Id registration) {
    return key.key->sign(auth::BadgeClaim{key.event_id, registration});
}

void attendees(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    with_key(services, request, event, std::move(respond), [&services, request, event](BadgeKeys::Key key, Responder reply) {
        organiser::read_then_respond(
            services, request,
            [key, event](Connection& conn) {
                const auto& zone = key->timezone;
                json people = json::array();
                for (const auto& a : storage::list_attendees(conn, event)) {
                    json entry = {{"registration_id", a.person.id},
                                  {"name", a.person.name},
                                  {"organisation", a.person.organisation ? json(*a.person.organisation) : json(nullptr)},
                                  {"status", domain::to_string(a.person.status)},
                                  {"fingerprint", auth::badge_fingerprint(token_of(*key, a.person.id))},
                                  {"sessions", a.sessions},
                                  {"checked_in", nullptr}};
                    if (a.checked_in_at)
                        entry["checked_in"] = {{"at", domain::format_in_zone(*a.checked_in_at, zone)},
                                               {"desk", a.checked_in_desk.value_or("")}};
                    people.push_back(std::move(entry));
                }
                json sessions = json::array();
                for (const auto& s : storage::checkin_stats(conn, event).sessions)
                    sessions.push_back({{"id", s.id},
                                        {"title", s.title},
                                        {"starts_at", domain::format_in_zone(s.starts_at, zone)},
                                        {"ends_at", domain::format_in_zone(s.ends_at, zone)},
                                        {"room", s.room ? json(*s.room) : json(nullptr)}});
                const json answer = {
                    {"event", {{"id", event}, {"name", key->title}, {"timezone", zone}}},
                    {"key",
                     {{"algorithm", "Ed25519"},
                      {"public_key", auth::base64_encode(key->key->public_key(), auth::Base64Alphabet::url)},
                      {"key_id", key->key->key_id()}}},
                    {"generated_at", domain::format_in_zone(domain::now(), zone)},
                    {"attendees", std::move(people)},
                    {"sessions", std::move(sessions)}};
                return organiser::private_response(json_response(200, json_text(answer)));
            },
            std::move(reply));
    });
}

void search(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    auto q = organiser::query_param(request.query, "q").value_or("");
    {
        const json wrapper = {{"q", q}};
        q = optional_text(wrapper, "q", 100).value_or("");
    }
    if (q.size() < 2) throw FieldError("q", "Type at least two letters of a name, e-mail or organisation.");
    organiser::read_then_respond(
        services, request,
        [event, q](Connection& conn) {
            const auto found = storage::load_event(conn, event);
            if (!found) throw domain::NotFound("event_not_found", "There is no such event.");
            json results = json::array();
            for (const auto& hit : storage::search_attendees(conn, event, q)) {
                json entry = {{"registration_id", hit.person.id},
                              {"name", hit.person.name},
                              {"email", hit.email},
                              {"organisation", hit.person.organisation ? json(*hit.person.organisation) : json(nullptr)},
                              {"status", domain::to_string(hit.person.status)},
                              {"checked_in", nullptr}};
                if (hit.checked_in_at)
                    entry["checked_in"] = {{"at", domain::format_in_zone(*hit.checked_in_at, found->timezone)},
                                           {"desk", hit.checked_in_desk.value_or("")}};
                results.push_back(std::move(entry));
            }
            return organiser::private_response(json_response(200, json_text({{"results", std::move(results)}})));
        },
        std::move(respond));
}

void stats(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    organiser::read_then_respond(
        services, request,
        [event](Connection& conn) {
            return organiser::private_response(json_response(200, json_text(checkin_stats_json(storage::checkin_stats(conn, event)))));
        },
        std::move(respond));
}

void list_checkins(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    std::optional<std::string> desk;
    if (auto text = organiser::query_param(request.query, "desk"); text && !text->empty()) {
        const json wrapper = {{"desk", *text}};
        desk = optional_text(wrapper, "desk", max_desk_chars);
    }
    int limit = 50;
    if (const auto text = organiser::query_param(request.query, "limit"); text && !text->empty()) {
        const auto value = parse_id(*text);
        if (!value || *value > storage::max_checkin_page)
            throw FieldError("limit", "limit must be a whole number from 1 to " + std::to_string(storage::max_checkin_page) + ".");
        limit = static_cast<int>(*value);
    }
    organiser::read_then_respond(
        services, request,
        [event, desk, limit](Connection& conn) {
            const auto found = storage::load_event(conn, event);
            if (!found) throw domain::NotFound("event_not_found", "There is no such event.");
            json list = json::array();
            for (const auto& item : storage::list_checkins(conn, event, desk, limit)) {
                auto entry = checkin_record_json(item.record, found->timezone);
                entry["registration"] = checkin_person_json(item.person);
                list.push_back(std::move(entry));
            }
            return organiser::private_response(json_response(200, json_text({{"checkins", std::move(list)}})));
        },
        std::move(respond));
}

void undo(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    const auto checkin = organiser::path_id(params, "checkin_id", "checkin_not_found");
    const auto body = parse_json_object(request);
    organiser::refuse_unknown_fields(body, {"reason"});
    const auto reason = organiser::required_reason(body);
    organiser::write_then_answer(
        services, request,
        [event, checkin, reason, context = organiser::audit_context(request, reason)](Connection& conn,
                                                                                     storage::ChangeSet& changes) {
            const auto record = storage::undo_checkin(conn, changes, event, checkin, reason, context, domain::now());
            const auto found = storage::load_event(conn, event);
            return checkin_record_json(record, found ? found->timezone : "UTC");
        },
        [](Connection&, const json& result) {
            return organiser::private_response(json_response(200, json_text({{"checkin", result}})));
        },
        std::move(respond));
}

void duplicates(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    organiser::read_then_respond(
        services, request,
        [event](Connection& conn) {
            const auto found = storage::load_event(conn, event);
            if (!found) throw domain::NotFound("event_not_found", "There is no such event.");
            const auto& zone = found->timezone;
            json list = json::array();
            for (const auto& d : storage::list_duplicates(conn, event))
                list.push_back({{"id", d.id},
                                {"registration", checkin_person_json(d.person)},
                                {"session_id", d.session_id == 0 ? json(nullptr) : json(d.session_id)},
                                {"kept", checkin_record_json(d.kept, zone)},
                                {"duplicate", {{"desk", d.desk}, {"by", d.staff_name}, {"at", domain::format_in_zone(d.scanned_at, zone)}}},
                                {"reported_at", domain::format_in_zone(d.reported_at, zone)}});
            return organiser::private_response(json_response(200, json_text({{"duplicates", std::move(list)}})));
        },
        std::move(respond));
}

std::vector<domain::Id> id_list(std::string_view text, const char* field, std::size_t max) {
    std::vector<domain::Id> ids;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto part = text.substr(0, comma);
        const auto id = parse_id(part);
        if (!id) throw FieldError(field, std::string(field) + " must be registration ids separated by commas.");
        ids.push_back(*id);
        if (ids.size() > max) throw FieldError(field, "At most " + std::to_string(max) + " badges at a time.");
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return ids;
}

json badge_json(const EventBadgeKey& key, const storage::CheckinPerson& person) {
    const auto token = token_of(key, person.id);
    return {{"registration_id", person.id},
            {"name", person.name},
            {"organisation", person.organisation ? json(*person.organisation) : json(nullptr)},
            {"token", token},
            {"qr_svg", badge::qr_svg(token)}};
}

void list_badges(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    const auto unprinted = organiser::query_param(request.query, "unprinted").value_or("");
    const auto wanted = organiser::query_param(request.query, "registrations").value_or("");
    const bool all_unprinted = unprinted == "1" || unprinted == "true" || unprinted == "yes";
    if (all_unprinted == !wanted.empty())
        throw FieldError("registrations", "Ask for ?registrations=12,13 or for ?unprinted=1.");
    const auto ids = id_list(wanted, "registrations", max_badges_per_sheet);
    with_key(services, request, event, std::move(respond),
             [&services, request, event, ids, all_unprinted](BadgeKeys::Key key, Responder reply) {
                 organiser::read_then_respond(
                     services, request,
                     [key, event, ids, all_unprinted](Connection& conn) {
                         const auto rows = storage::list_badges(conn, event, ids, all_unprinted);
                         json badges = json::array();
                         for (std::size_t i = 0; i < rows.size() && i < max_badges_per_sheet; ++i) {
                             auto entry = badge_json(*key, rows[i].person);
                             entry["printed_at"] = rows[i].printed_at
                                                       ? json(domain::format_in_zone(*rows[i].printed_at, key->timezone))
                                                       : json(nullptr);
                             badges.push_back(std::move(entry));
                         }
                         const json answer = {{"event", {{"id", event}, {"name", key->title}, {"timezone", key->timezone}}},
                                              {"badges", std::move(badges)},
                                              {"total", rows.size()},
                                              {"truncated", rows.size() > max_badges_per_sheet}};
                         return organiser::private_response(json_response(200, json_text(answer)));
                     },
                     std::move(reply));
             });
}

void mark_printed(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = organiser::event_id(params);
    const auto body = parse_json_object(request);
    organiser::refuse_unknown_fields(body, {"registration_ids"});
    if (!body.contains("registration_ids") || !body["registration_ids"].is_array() || body["registration_ids"].empty() ||
        body["registration_ids"].size() > 2000)
        throw FieldError("registration_ids", "registration_ids must list 1 to 2000 registration ids.");
    std::vector<domain::Id> ids;
    for (const auto& id : body["registration_ids"]) {
        if (!id.is_number_integer() || id.get<std::int64_t>() <= 0)
            throw FieldError("registration_ids", "registration_ids must be positive whole numbers.");
        ids.push_back(id.get<std::int64_t>());
    }
    organiser::write_then_answer(
        services, request,
        [event, ids, context = organiser::audit_context(request)](Connection& conn, storage::ChangeSet&) {
            return json{{"marked", storage::mark_badges_printed(conn, event, ids, context, domain::now())}};
        },
        [](Connection&, const json& result) { return organiser::private_response(json_response(200, json_text(result))); },
        std::move(respond));
}

// The delegate's own badge: read the registration, then the key (made if needed), then answer.
void own_badge(Services& services, const Request& request, std::string_view code_text, bool png, Responder respond) {
    if (!util::looks_like_code(code_text))
        throw ApiError(404, "registration_not_found", "There is no registration with this code.");
    std::string code(code_text);
    services.db.read([&services, request, code, png, respond = std::move(respond)](Connection& conn) mutable {
        std::optional<storage::RegistrationView> view;
        try {
            view = storage::load_registration(conn, code);
            if (!view) throw ApiError(404, "registration_not_found", "There is no registration with this code.");
            if (view->status != domain::RegistrationStatus::confirmed)
                throw ApiError(409, "badge_unavailable",
                               "A badge is issued once the registration is confirmed; this one is " +
                                   std::string(domain::to_string(view->status)) + ".");
        } catch (...) {
            return respond(error_of(std::current_exception(), request));
        }
        auto shared = std::make_shared<storage::RegistrationView>(std::move(*view));
        with_key(services, request, shared->event.id, std::move(respond), [shared, png](BadgeKeys::Key key, Responder reply) {
            const auto& v = *shared;
            const auto token = token_of(*key, v.id);
            if (png) {
                auto response = text_response(200, "image/png", badge::qr_png(token, 8));
                response.set_header("Cache-Control", "no-store");
                return reply(std::move(response));
            }
            auto entry = badge_json(*key, storage::CheckinPerson{v.id, v.name, v.organisation, v.status});
            const auto& zone = v.event.timezone;
            entry["event"] = {{"id", v.event.id},
                              {"name", v.event.title},
                              {"timezone", zone},
                              {"starts_at", domain::format_in_zone(v.event.starts_at, zone)},
                              {"ends_at", domain::format_in_zone(v.event.ends_at, zone)},
                              {"venue", v.event.venue ? json(v.event.venue->name) : json(nullptr)}};
            reply(organiser::private_response(json_response(200, json_text({{"badge", std::move(entry)}}))));
        });
    });
}

using Handler = void (*)(Services&, const Request&, const RouteParams&, Responder);

void add(Router& router, Services& services, const char* method, const char* pattern, Access access, Handler handler) {
    router.add(method, pattern, access, [&services, handler](const Request& request, const RouteParams& params, Responder respond) {
        handler(services, request, params, std::move(respond));
    });
}

}  // namespace

void add_checkin_routes(Router& router, Services& services) {
    if (!services.badge_keys) services.badge_keys = std::make_shared<BadgeKeys>();
    add(router, services, "POST", "/api/events/{id}/checkin", Access::checkin, check_in);
    add(router, services, "POST", "/api/events/{id}/checkin/sync", Access::checkin, sync_scans);
    add(router, services, "GET", "/api/events/{id}/checkin/attendees", Access::checkin, attendees);
    add(router, services, "GET", "/api/events/{id}/checkin/search", Access::checkin, search);
    add(router, services, "GET", "/api/events/{id}/checkin/stats", Access::checkin, stats);
    add(router, services, "GET", "/api/events/{id}/checkins", Access::checkin, list_checkins);
    add(router, services, "POST", "/api/events/{id}/checkins/{checkin_id}/undo", Access::checkin, undo);
    add(router, services, "GET", "/api/events/{id}/checkin/duplicates", Access::organiser, duplicates);
    add(router, services, "GET", "/api/events/{id}/badges", Access::organiser, list_badges);
    add(router, services, "POST", "/api/events/{id}/badges/printed", Access::organiser, mark_printed);
    router.add("GET", "/api/registrations/{code}/badge", Access::registration_code,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   own_badge(services, request, params.get("code"), false, std::move(respond));
               });
    router.add("GET", "/api/registrations/{code}/badge.png", Access::registration_code,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   own_badge(services, request, params.get("code"), true, std::move(respond));
               });
}

}  // namespace congress::api
