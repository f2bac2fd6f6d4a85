#include "api/registration_handlers.hpp"

#include <memory>
#include <thread>

#include "api/errors.hpp"
#include "api/json_text.hpp"
#include "api/registration_json.hpp"
#include "api/request_body.hpp"
#include "app/idempotency.hpp"
#include "storage/event_repository.hpp"
#include "storage/registration_store.hpp"
#include "util/random.hpp"

namespace congress::api {

namespace {

using storage::Connection;

Response personal(Response response) {
    // Registrations carry personal data: never kept by caches along the way.
    response.set_header("Cache-Control", "no-store");
    return response;
}

// A change requested with an optional Idempotency-Key, run inside the writer's command:
// the first answer to a key is stored in the same transaction as the change it made, and
// a repeat gets that answer back without running `change` again.
struct Idempotent {
    std::string scope;
    std::optional<std::string> key;
    std::string request_hash;
    // Where the scope depends on the database (an event addressed by slug or by id must
    // share one scope), this works it out on the writer, before the key is looked up.
    std::function<std::string(Connection&)> resolve_scope;
};

Idempotent idempotent(const Request& request, std::string scope) {
    Idempotent idem;
    idem.scope = std::move(scope);
    idem.key = idempotency_key(request);
    if (idem.key) idem.request_hash = util::sha256_hex(request.body);
    return idem;
}

// The refusals a repeat with the same key gets again (anything else fails the command).
bool is_refusal(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const domain::Refusal&) {
        return true;
    } catch (const domain::NotFound&) {
        return true;
    } catch (const domain::InvalidField&) {
        return true;
    } catch (...) {
        return false;
    }
}

// How a change's answer is made: by the change, from the plain data it returns (a view),
// so that the JSON is written after the commit on a network thread, not on the writer.
using Render = std::function<Response()>;

// Runs the change through the one Idempotency-Key implementation (app/idempotency.hpp).
// Without a key nothing is remembered and the answer is rendered later; with one, the
// answer is rendered now, inside the transaction, to be stored with the change.
template <typename Change>
Render run_change(Connection& conn, storage::ChangeSet& changes, const Idempotent& idem, Change change,
                  std::string_view request_id) {
    if (!idem.key) return change(changes);
    const auto key = app::IdempotencyKey{idem.scope, *idem.key, idem.request_hash};
    Response first;
    const auto once = app::run_once(
        conn, changes, key,
        [&](domain::Changes& made) {
            first = change(made)();
            return app::Answer{first.status, first.body ? *first.body : std::string()};
        },
        [&](std::exception_ptr error) -> std::optional<app::Answer> {
            if (!is_refusal(error)) return std::nullopt;
            first = response_for_exception(error, request_id);
            return app::Answer{first.status, *first.body};
        },
        domain::now());
    switch (once.repeat) {
        case app::Repeat::key_reused:
            first = error_response(422, "idempotency_key_reused", "This Idempotency-Key was already used for a different request.");
            break;
        case app::Repeat::replayed:
            first = json_response(once.answer.status, once.answer.body);
            first.set_header("Idempotent-Replayed", "true");
            break;
        case app::Repeat::first: break;
    }
    return [first = std::move(first)] { return first; };
}

// Hands a change to the writer and answers after the commit. `change(conn, changes)`
// returns the Render of its answer.
template <typename Change>
void write_and_respond(Services& services, const Request& request, Idempotent idem, Change change, Responder respond) {
    auto render = std::make_shared<Render>();
    services.db.write(
        [render, idem = std::move(idem), change = std::move(change), rid = request.request_id](Connection& conn,
                                                                                              storage::ChangeSet& changes) {
            auto run = [&](storage::ChangeSet& made) { return change(conn, made); };
            if (idem.key && idem.resolve_scope) {
                auto resolved = idem;
                resolved.scope = idem.resolve_scope(conn);
                *render = run_change(conn, changes, resolved, run, rid);
            } else {
                *render = run_change(conn, changes, idem, run, rid);
            }
        },
        [render, respond = std::move(respond), rid = request.request_id](std::exception_ptr error) {
            // A refusal and a failure alike: every error response is already no-store.
            if (error) return respond(response_for_exception(error, rid));
            Response response;
            try {
                response = personal((*render)());
            } catch (...) {
                response = response_for_exception(std::current_exception(), rid);
            }
            respond(std::move(response));
        });
}

// Runs a read on a reader thread and answers from there.
template <typename Read>
void read_and_respond(Services& services, const Request& request, Read read, Responder respond) {
    services.db.read([read = std::move(read), respond = std::move(respond), rid = request.request_id](Connection& conn) {
        try {
            respond(read(conn));
        } catch (...) {
            respond(response_for_exception(std::current_exception(), rid));
        }
    });
}

storage::RegistrationInput registration_input(const nlohmann::json& body) {
    storage::RegistrationInput input;
    input.name = required_text(body, "name", 200);
    input.email = required_email(body, "email");
    input.organisation = optional_text(body, "organisation", 200);
    input.member_organisation_id = optional_id(body, "member_organisation_id");
    input.language = optional_language(body, "language");
    return input;
}

std::string require_code_shape(std::string_view code) {
    if (!util::looks_like_code(code))
        throw ApiError(404, "registration_not_found", "There is no registration with this code.");
    return std::string(code);
}

Response registration_response(int status, const storage::RegistrationView& view) {
    return json_response(status, registration_body(view));
}

Response enrolment_response(int status, const storage::EnrolmentResult& result) {
    return json_response(status, enrolment_body(result));
}

// Control mode for the concurrency tests (TestHooks::bypass_single_writer): the seat is
// decided on a read snapshot, outside the writer, as a naive implementation would.
void register_bypassing_the_writer(Services& services, const Request& request, std::int64_t event_id,
                                   storage::RegistrationInput input, Responder respond) {
    services.db.read([&services, event_id, input = std::move(input), respond = std::move(respond),
                      rid = request.request_id](Connection& conn) mutable {
        storage::RegistrationPlan plan;
        try {
            plan = storage::plan_registration(conn, event_id, input, domain::now());
        } catch (...) {
            respond(personal(response_for_exception(std::current_exception(), rid)));
            return;
        }
        if (services.hooks.race_delay.count() > 0) std::this_thread::sleep_for(services.hooks.race_delay);
        auto answer = std::make_shared<Response>();
        services.db.write(
            [answer, plan, input](Connection& writer, storage::ChangeSet& changes) {
                *answer = registration_response(201, storage::apply_registration(writer, changes, plan, input, domain::now()));
            },
            [answer, respond = std::move(respond), rid](std::exception_ptr error) {
                respond(personal(error ? response_for_exception(error, rid) : std::move(*answer)));
            });
    });
}

}  // namespace

void list_organisations(Services& services, const Request& request, Responder respond) {
    read_and_respond(
        services, request,
        [](Connection& conn) { return json_response(200, json_text(organisations_json(storage::list_organisations(conn)))); },
        std::move(respond));
}

void create_registration(Services& services, const Request& request, std::string_view event_ident, Responder respond) {
    // The event by id or by slug, as GET /api/events/{id} accepts.
    const auto event_id = parse_id(event_ident);
    const bool slug = !event_id && is_slug(event_ident);
    if (!event_id && !slug) throw ApiError(404, "event_not_found", "There is no such event.");
    const auto body = parse_json_object(request);
    auto input = registration_input(body);
    Idempotent idem = idempotent(request, {});
    if (idem.key && slug)
        idem.resolve_scope = [ident = std::string(event_ident)](Connection& conn) {
            const auto id = storage::find_event_id_by_slug(conn, ident);
            return "POST /api/events/" + (id ? std::to_string(*id) : ident) + "/registrations";
        };
    else if (idem.key)
        idem.scope = "POST /api/events/" + std::to_string(*event_id) + "/registrations";  // "022" and "22" alike
    if (services.hooks.bypass_single_writer && event_id) {
        register_bypassing_the_writer(services, request, *event_id, std::move(input), std::move(respond));
        return;
    }
    write_and_respond(
        services, request, std::move(idem),
        [&services, event_id, ident = std::string(event_ident), input = std::move(input)](Connection& conn,
                                                                                          storage::ChangeSet& changes) {
            const auto id = event_id ? event_id : storage::find_event_id_by_slug(conn, ident);
            if (!id) throw domain::NotFound("event_not_found", "There is no event \"" + ident + "\".");
            return Render([view = storage::register_delegate(conn, changes, *id, input, domain::now(), services.hooks)] {
                return registration_response(201, view);
            });
        },
        std::move(respond));
}

void get_registration(Services& services, const Request& request, std::string_view code, Responder respond) {
    read_and_respond(
        services, request,
        [code = require_code_shape(code)](Connection& conn) {
            auto view = storage::load_registration(conn, code);
            if (!view) throw ApiError(404, "registration_not_found", "There is no registration with this code.");
            return personal(registration_response(200, *view));
        },
        std::move(respond));
}

void cancel_registration(Services& services, const Request& request, std::string_view code, Responder respond) {
    write_and_respond(
        services, request, Idempotent{},
        [code = require_code_shape(code)](Connection& conn, storage::ChangeSet& changes) {
            return Render([view = storage::cancel_registration(conn, changes, code, domain::now())] {
                return registration_response(200, view);
            });
        },
        std::move(respond));
}

void enrol_in_session(Services& services, const Request& request, std::string_view code, Responder respond) {
    auto valid_code = require_code_shape(code);
    const auto body = parse_json_object(request);
    const auto session_id = required_id(body, "session_id");
    Idempotent idem = idempotent(request, "POST /api/registrations/" + valid_code + "/sessions");
    write_and_respond(
        services, request, std::move(idem),
        [&services, code = std::move(valid_code), session_id](Connection& conn, storage::ChangeSet& changes) {
            return Render([result = storage::enrol(conn, changes, code, session_id, domain::now(), services.hooks)] {
                return enrolment_response(201, result);
            });
        },
        std::move(respond));
}

void leave_session(Services& services, const Request& request, std::string_view code, std::string_view session_ident,
                   Responder respond) {
    auto valid_code = require_code_shape(code);
    const auto session_id = parse_id(session_ident);
    if (!session_id) throw ApiError(404, "enrolment_not_found", "You hold no place in this session.");
    write_and_respond(
        services, request, Idempotent{},
        [code = std::move(valid_code), session_id = *session_id](Connection& conn, storage::ChangeSet& changes) {
            return Render([result = storage::leave_session(conn, changes, code, session_id, domain::now())] {
                return enrolment_response(200, result);
            });
        },
        std::move(respond));
}

}  // namespace congress::api
