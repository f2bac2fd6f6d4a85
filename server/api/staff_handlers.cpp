#include "api/staff_handlers.hpp"

#include <memory>

#include "api/authenticator.hpp"
#include "api/errors.hpp"
#include "api/json_text.hpp"
#include "api/request_body.hpp"
#include "auth/login_throttle.hpp"
#include "auth/password_hasher.hpp"
#include "storage/staff_store.hpp"
#include "util/log.hpp"

namespace congress::api {

namespace {

using storage::Connection;

constexpr int busy_retry_seconds = 2;

// Taken as typed: passwords are never trimmed or normalised.
std::string required_password(const nlohmann::json& body) {
    if (!body.contains("password") || body["password"].is_null()) throw FieldError("password", "password is required.");
    if (!body["password"].is_string()) throw FieldError("password", "password must be text.");
    auto password = body["password"].get<std::string>();
    if (password.empty()) throw FieldError("password", "password is required.");
    if (password.size() > auth::max_password_bytes)
        throw FieldError("password", "password is too long (at most " + std::to_string(auth::max_password_bytes) + " bytes).");
    return password;
}

// One answer for every cause (unknown email, disabled account, wrong password), so that
// it does not tell which emails have accounts.
Response invalid_credentials() {
    return error_response(401, "invalid_credentials", "The email address or the password is not right.");
}

Response too_many_attempts(std::chrono::seconds wait) {
    const auto seconds = std::max<long long>(1, wait.count());
    auto response = error_response(429, "too_many_attempts",
                                   "Too many failed sign-ins. Try again in " + std::to_string(seconds) + " seconds.",
                                   {{"retry_after", seconds}});
    response.set_header("Retry-After", std::to_string(seconds));
    return response;
}

std::string client_address(const Request& request) {
    return request.remote_address.empty() ? std::string("unknown") : request.remote_address;
}

Response signed_in(const domain::Principal& principal, const std::string& csrf_token) {
    return private_response(
        json_response(200, json_text({{"staff", principal_json(principal)}, {"csrf_token", csrf_token}})));
}

// What a login attempt carries from the request through the reader, the hasher and the writer.
struct Attempt {
    std::string email;
    std::string address;
    std::string request_id;
    std::string previous_token;  // the session cookie the request came with, if any
    bool secure = false;
};

// Lock-outs go to the audit log (docs/staff.md: "check the audit log for the attempts").
void record_lockout(Services& services, const Attempt& attempt, domain::Id user_id, std::chrono::seconds locked) {
    log::warn("auth",
              "sign-in locked for " + std::to_string(locked.count()) + " s after repeated failures (email \"" +
                  attempt.email + "\", address " + attempt.address + ")",
              attempt.request_id);
    const storage::AuditContext context{storage::AuditActor{std::nullopt, "anonymous:" + attempt.address}, std::nullopt,
                                        attempt.request_id};
    const nlohmann::json after{{"email", attempt.email},
                               {"address", attempt.address},
                               {"locked_seconds", locked.count()},
                               {"account_failures", services.throttle->account_failures(attempt.email)},
                               {"address_failures", services.throttle->address_failures(attempt.address)}};
    auto entry = storage::audit_entry(context, "auth.login_locked", "staff_user",
                                      user_id > 0 ? std::optional<domain::Id>(user_id) : std::nullopt, std::nullopt,
                                      std::nullopt, json_text(after), domain::now());
    services.db.write([entry = std::move(entry)](Connection& conn, storage::ChangeSet&) { storage::append_audit(conn, entry); },
                      [rid = attempt.request_id](std::exception_ptr error) {
                          if (error) log::error("auth", "could not record a sign-in lock-out in the audit log", rid);
                      });
}

// On a hashing thread, with the password checked.
void finish_login(Services& services, std::shared_ptr<const Attempt> attempt, domain::Id user_id,
                  auth::Verification verification, Responder respond) {
    if (verification.error) {
        respond(response_for_exception(verification.error, attempt->request_id));
        return;
    }
    if (!verification.ok) {
        const auto decision = services.throttle->record_failure(attempt->email, attempt->address);
        log::info("auth", "failed sign-in (email \"" + attempt->email + "\", address " + attempt->address + ")",
                  attempt->request_id);
        if (!decision.allowed) record_lockout(services, *attempt, user_id, decision.retry_after);
        respond(invalid_credentials());
        return;
    }
    services.throttle->record_success(attempt->email);
    auto answer = std::make_shared<Response>();
    services.db.write(
        [&services, attempt, user_id, rehashed = std::move(verification.rehashed), answer](Connection& conn,
                                                                                           storage::ChangeSet&) {
            const auto now = domain::now();
            // A new session at every login: a token from before it is never reused.
            if (!attempt->previous_token.empty()) storage::destroy_staff_session(conn, attempt->previous_token);
            const auto session = storage::create_staff_session(
                conn, user_id, attempt->address == "unknown" ? std::nullopt : std::optional<std::string>(attempt->address),
                now, services.session_policy);
            if (rehashed) storage::update_password_hash(conn, user_id, *rehashed, now);
            const auto principal = storage::load_principal(conn, user_id);
            if (!principal) throw domain::Refusal("account_disabled", "This account is disabled.");
            *answer = signed_in(*principal, session.csrf_token);
            answer->set_header("Set-Cookie", session_cookie(session.token, session.expires_at, now, attempt->secure));
        },
        [answer, attempt, respond = std::move(respond)](std::exception_ptr error) {
            if (!error) {
                log::info("auth", "signed in: " + attempt->email, attempt->request_id);
                respond(std::move(*answer));
                return;
            }
            try {
                std::rethrow_exception(error);
            } catch (const domain::Refusal&) {
                respond(invalid_credentials());  // disabled between the check and the session
            } catch (const domain::NotFound&) {
                respond(invalid_credentials());
            } catch (...) {
                respond(response_for_exception(std::current_exception(), attempt->request_id));
            }
        });
}

}  // namespace

nlohmann::json grants_json(const std::vector<domain::RoleGrant>& grants) {
    auto list = nlohmann::json::array();
    for (const auto& grant : grants)
        list.push_back({{"role", domain::to_string(grant.role)},
                        {"event_id", grant.event_id ? nlohmann::json(*grant.event_id) : nlohmann::json(nullptr)}});
    return list;
}

nlohmann::json principal_json(const domain::Principal& principal) {
    return {{"id", principal.user_id},
            {"email", principal.email},
            {"display_name", principal.display_name},
            {"grants", grants_json(principal.grants)}};
}

Response private_response(Response response) {
    response.set_header("Cache-Control", "no-store");
    return response;
}

storage::AuditContext audit_context(const Request& request, std::optional<std::string> reason) {
    if (!request.staff) throw ApiError(401, "not_signed_in", "Sign in as staff to use this.");
    return storage::AuditContext{storage::AuditActor::staff(*request.staff), std::move(reason), request.request_id};
}

Response hasher_busy() {
    auto response = error_response(503, "busy", "Too many passwords are being checked at the moment; try again shortly.",
                                   {{"retry_after", busy_retry_seconds}});
    response.set_header("Retry-After", std::to_string(busy_retry_seconds));
    return response;
}

void staff_login(Services& services, const Request& request, Responder respond) {
    const auto body = parse_json_object(request);
    auto email = required_text(body, "email", 254);
    auto password = required_password(body);
    if (!services.hasher || !services.throttle)
        throw ApiError(503, "unavailable", "Staff sign-in is not available on this server.");

    auto attempt = std::make_shared<Attempt>();
    attempt->email = std::move(email);
    attempt->address = client_address(request);
    attempt->request_id = request.request_id;
    attempt->previous_token = std::string(cookie_value(request, staff_cookie));
    attempt->secure = request.secure || services.secure_cookies;
    // While locked, no hash is computed and nothing more is counted.
    if (const auto decision = services.throttle->check(attempt->email, attempt->address); !decision.allowed) {
        log::info("auth", "sign-in refused while locked (email \"" + attempt->email + "\", address " + attempt->address + ")",
                  attempt->request_id);
        respond(too_many_attempts(decision.retry_after));
        return;
    }
    services.db.read([&services, attempt = std::shared_ptr<const Attempt>(std::move(attempt)),
                      password = std::move(password), respond = std::move(respond)](Connection& conn) mutable {
        std::optional<storage::StaffCredentials> credentials;
        try {
            credentials = storage::find_staff_credentials(conn, attempt->email);
        } catch (...) {
            respond(response_for_exception(std::current_exception(), attempt->request_id));
            return;
        }
        // Unknown or disabled: the hasher runs a dummy of the same cost.
        std::optional<std::string> stored;
        if (credentials && !credentials->disabled) stored = credentials->password_hash;
        const domain::Id user_id = credentials ? credentials->user_id : 0;
        try {
            services.hasher->verify(std::move(password), std::move(stored),
                                    [&services, attempt, user_id, respond](auth::Verification verification) {
                                        finish_login(services, attempt, user_id, std::move(verification), respond);
                                    });
        } catch (const auth::HashQueueFull&) {
            log::warn("auth", "sign-in refused: the password hasher's queue is full", attempt->request_id);
            respond(hasher_busy());
        }
    });
}

void staff_logout(Services& services, const Request& request, Responder respond) {
    const auto token = std::string(cookie_value(request, staff_cookie));
    const auto who = request.staff ? request.staff->email : std::string();
    services.db.write(
        [token](Connection& conn, storage::ChangeSet&) {
            if (!token.empty()) storage::destroy_staff_session(conn, token);
        },
        [respond = std::move(respond), secure = request.secure || services.secure_cookies, rid = request.request_id, who](std::exception_ptr error) {
            if (error) {
                respond(response_for_exception(error, rid));
                return;
            }
            log::info("auth", "signed out: " + who, rid);
            auto response = json_response(200, R"({"signed_out":true})");
            response.set_header("Set-Cookie", cleared_session_cookie(secure));
            respond(private_response(std::move(response)));
        });
}

void staff_me(Services& services, const Request& request, Responder respond) {
    if (!services.authenticator) throw ApiError(401, "not_signed_in", "Staff sign-in is not available on this server.");
    // The router has checked the session; this second look-up gives the CSRF token, which
    // the page needs again after a reload (the cookie is HttpOnly).
    services.authenticator(request, [respond = std::move(respond)](Caller caller) {
        if (!caller.staff) {
            respond(error_response(401, "not_signed_in", "Your session has ended; sign in again."));
            return;
        }
        respond(signed_in(*caller.staff, caller.csrf_token));
    });
}

}  // namespace congress::api
