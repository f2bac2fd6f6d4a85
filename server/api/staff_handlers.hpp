// Staff sign-in: login, logout and "who am I". The flow is docs/staff.md's: throttle check,
// credentials read, scrypt on the capped PasswordHasher, then a fresh session written by the
// single writer; the answer sets the session cookie and gives the page its CSRF token.
#pragma once

#include <nlohmann/json.hpp>

#include "api/routes.hpp"
#include "domain/staff.hpp"
#include "storage/audit_log.hpp"

namespace congress::api {

void staff_login(Services& services, const Request& request, Responder respond);
void staff_logout(Services& services, const Request& request, Responder respond);
void staff_me(Services& services, const Request& request, Responder respond);

// Shared with the admin handlers.
nlohmann::json grants_json(const std::vector<domain::RoleGrant>& grants);
nlohmann::json principal_json(const domain::Principal& principal);
// Staff answers carry personal data and session secrets: never stored by a cache.
Response private_response(Response response);
// The audit context of a staff request: the signed-in principal as actor, its request id.
storage::AuditContext audit_context(const Request& request, std::optional<std::string> reason = std::nullopt);
// 503 busy with Retry-After, when the password hasher's queue is full.
Response hasher_busy();

}  // namespace congress::api
