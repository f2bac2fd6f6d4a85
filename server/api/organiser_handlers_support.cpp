#include "api/organiser_handlers_support.hpp"

#include <algorithm>
#include <memory>

#include "api/errors.hpp"
#include "api/request_body.hpp"
#include "api/static_files.hpp"
#include "app/idempotency.hpp"
#include "domain/registration.hpp"
#include "storage/registration_store.hpp"
#include "util/random.hpp"

namespace congress::api::organiser {

namespace {

using nlohmann::json;

// Code points, or nullopt if a control character other than those allowed is present.
std::optional<std::size_t> count_chars(std::string_view text, bool multiline) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const bool allowed_break = multiline && (c == '\n' || c == '\r' || c == '\t');
        if ((c < 0x20 || c == 0x7f) && !allowed_break) return std::nullopt;
        if (c == 0xc2 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9f) return std::nullopt;  // C1 controls
        }
        if ((c & 0xc0) != 0x80) ++count;
    }
    return count;
}

std::string trim(std::string text) {
    const auto space = [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!text.empty() && space(text.back())) text.pop_back();
    std::size_t start = 0;
    while (start < text.size() && space(text[start])) ++start;
    return text.substr(start);
}

}  // namespace

const domain::Principal& caller(const Request& request) {
    if (!request.staff) throw ApiError(401, "not_signed_in", "Sign in as staff to use this.");
    return *request.staff;
}

storage::AuditContext audit_context(const Request& request, std::optional<std::string> reason) {
    std::optional<std::string> request_id;
    if (!request.request_id.empty()) request_id = request.request_id;
    return storage::AuditContext{storage::AuditActor::staff(caller(request)), std::move(reason), std::move(request_id)};
}

domain::Id event_id(const RouteParams& params) {
    const auto id = parse_id(params.get("id"));
    if (!id) throw ApiError(404, "event_not_found", "There is no such event.");
    return *id;
}

domain::Id path_id(const RouteParams& params, const char* name, const char* not_found_code) {
    const auto id = parse_id(params.get(name));
    if (!id) throw ApiError(404, not_found_code, "There is no such " + std::string(name).substr(0, std::string(name).find('_')) + " in this event.");
    return *id;
}

std::optional<std::string> optional_multiline(const json& body, const char* field, std::size_t max_chars) {
    if (!body.contains(field) || body[field].is_null()) return std::nullopt;
    if (!body[field].is_string()) throw FieldError(field, std::string(field) + " must be text.");
    auto value = trim(body[field].get<std::string>());
    const auto chars = count_chars(value, true);
    if (!chars) throw FieldError(field, std::string(field) + " must not contain control characters.");
    if (*chars > max_chars)
        throw FieldError(field, std::string(field) + " is too long (at most " + std::to_string(max_chars) + " characters).");
    return value;
}

std::optional<domain::LocalTime> optional_local_time(const json& body, const char* field) {
    if (!body.contains(field) || body[field].is_null()) return std::nullopt;
    const auto& value = body[field];
    const auto text = value.is_string() ? value.get<std::string>() : std::string();
    const auto parsed = domain::parse_local(text);
    if (!value.is_string() || !parsed || domain::is_date_only(text))
        throw FieldError(field, std::string(field) + " must be a local date and time like 2027-08-24T10:30.");
    return parsed;
}

std::optional<std::optional<domain::LocalTime>> nullable_local_time(const json& body, const char* field) {
    if (!body.contains(field)) return std::nullopt;
    if (body[field].is_null()) return std::optional<domain::LocalTime>{};
    return optional_local_time(body, field);
}

std::optional<int> optional_int(const json& body, const char* field, int min, int max) {
    if (!body.contains(field) || body[field].is_null()) return std::nullopt;
    const auto& value = body[field];
    if (!value.is_number_integer() || value.get<std::int64_t>() < min || value.get<std::int64_t>() > max)
        throw FieldError(field, std::string(field) + " must be a whole number from " + std::to_string(min) + " to " +
                                    std::to_string(max) + ".");
    return static_cast<int>(value.get<std::int64_t>());
}

std::optional<bool> optional_bool(const json& body, const char* field) {
    if (!body.contains(field) || body[field].is_null()) return std::nullopt;
    if (!body[field].is_boolean()) throw FieldError(field, std::string(field) + " must be true or false.");
    return body[field].get<bool>();
}

std::optional<std::optional<domain::Id>> nullable_id(const json& body, const char* field) {
    if (!body.contains(field)) return std::nullopt;
    if (body[field].is_null()) return std::optional<domain::Id>{};
    return optional_id(body, field);
}

std::string required_reason(const json& body) {
    if (!body.contains("reason") || body["reason"].is_null() ||
        (body["reason"].is_string() && trim(body["reason"].get<std::string>()).empty()))
        throw FieldError("reason", "Give a reason: it is recorded with the change.");
    return required_text(body, "reason", 2000);
}

std::string optional_reason(const json& body) { return optional_text(body, "reason", 2000).value_or(""); }

std::optional<std::vector<std::string>> optional_names(const json& body, const char* field) {
    if (!body.contains(field) || body[field].is_null()) return std::nullopt;
    const auto& value = body[field];
    if (!value.is_array() || value.size() > 30)
        throw FieldError(field, std::string(field) + " must be a list of at most 30 names.");
    std::vector<std::string> names;
    for (const auto& item : value) {
        const json wrapper = {{"name", item}};
        names.push_back(required_text(wrapper, "name", 300));
    }
    return names;
}

void refuse_unknown_fields(const json& body, std::initializer_list<std::string_view> known) {
    for (const auto& [name, value] : body.items())
        if (std::find(known.begin(), known.end(), name) == known.end())
            throw FieldError(name.substr(0, 100), "Unknown field \"" + name.substr(0, 100) + "\".");
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) != name) continue;
        std::string value(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        std::replace(value.begin(), value.end(), '+', ' ');
        auto decoded = percent_decode(value);
        if (!decoded) throw ApiError(400, "bad_query", "The query parameter " + std::string(name) + " is not well encoded.");
        return decoded;
    }
    return std::nullopt;
}

Response private_response(Response response) {
    response.set_header("Cache-Control", "no-store");
    return response;
}

void read_then_respond(Services& services, const Request& request, std::function<Response(storage::Connection&)> read,
                       Responder respond) {
    services.db.read([read = std::move(read), respond = std::move(respond), rid = request.request_id](storage::Connection& conn) {
        Response response;
        try {
            response = read(conn);
        } catch (...) {
            response = response_for_exception(std::current_exception(), rid);
        }
        respond(private_response(std::move(response)));
    });
}

namespace {

struct Outcome {
    json result;
    std::optional<Response> refused;  // a client error, already mapped
    bool replayed = false;
};

bool is_client_error(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const domain::Refusal&) {
        return true;
    } catch (const domain::NotFound&) {
        return true;
    } catch (const domain::InvalidField&) {
        return true;
    } catch (const ApiError&) {
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace

void write_then_answer(Services& services, const Request& request, WriteStep write, AnswerStep answer, Responder respond) {
    const auto key = idempotency_key(request);
    // A key belongs to one staff member and one route: nobody replays another's answer.
    const std::string scope = "organiser " + std::to_string(caller(request).user_id) + " " + request.method + " " + request.path;
    const std::string request_hash = key ? util::sha256_hex(request.body) : std::string();
    auto outcome = std::make_shared<Outcome>();
    services.db.write(
        [outcome, write = std::move(write), key, scope, request_hash, rid = request.request_id](
            storage::Connection& conn, storage::ChangeSet& changes) {
            // The one Idempotency-Key implementation (app/idempotency.hpp). The stored answer
            // is the write's result: a replay renders it again after the commit.
            std::optional<app::IdempotencyKey> idempotency;
            if (key) idempotency = app::IdempotencyKey{scope, *key, request_hash};
            const auto once = app::run_once(
                conn, changes, idempotency,
                [&](domain::Changes& made) {
                    outcome->result = write(conn, made);
                    return app::Answer{200, key ? outcome->result.dump() : std::string()};
                },
                [&](std::exception_ptr error) -> std::optional<app::Answer> {
                    // A refusal rolls back only this change (and is remembered for the key);
                    // anything else fails the command and is a 500.
                    if (!is_client_error(error)) return std::nullopt;
                    outcome->refused = response_for_exception(error, rid);
                    return app::Answer{outcome->refused->status, *outcome->refused->body};
                },
                domain::now());
            if (once.repeat == app::Repeat::key_reused) {
                outcome->refused = error_response(422, "idempotency_key_reused",
                                                  "This Idempotency-Key was already used for a different request.");
            } else if (once.repeat == app::Repeat::replayed) {
                outcome->replayed = true;
                if (once.answer.status >= 400) outcome->refused = json_response(once.answer.status, once.answer.body);
                else outcome->result = json::parse(once.answer.body, nullptr, false);
            }
        },
        [&services, outcome, answer = std::move(answer), respond = std::move(respond),
         rid = request.request_id](std::exception_ptr error) mutable {
            if (error) {
                respond(private_response(response_for_exception(error, rid)));
                return;
            }
            if (outcome->refused) {
                auto response = std::move(*outcome->refused);
                if (outcome->replayed) response.set_header("Idempotent-Replayed", "true");
                respond(private_response(std::move(response)));
                return;
            }
            // The commit is on disk: a reader's new snapshot sees it.
            services.db.read([outcome, answer = std::move(answer), respond = std::move(respond), rid](storage::Connection& conn) {
                Response response;
                try {
                    response = answer(conn, outcome->result);
                    if (outcome->replayed) response.set_header("Idempotent-Replayed", "true");
                } catch (...) {
                    response = response_for_exception(std::current_exception(), rid);
                }
                respond(private_response(std::move(response)));
            });
        });
}

}  // namespace congress::api::organiser
