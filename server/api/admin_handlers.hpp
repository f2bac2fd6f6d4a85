// Admin routes: staff accounts, their roles, and the audit log (read only). Every change is
// one write command whose audit entry the staff store appends in the same transaction, with
// the signed-in admin as actor and the request id.
#pragma once

#include <string_view>

#include "api/routes.hpp"

namespace congress::api {

void list_staff_users(Services& services, const Request& request, Responder respond);
void create_staff_user(Services& services, const Request& request, Responder respond);
void set_staff_user_disabled(Services& services, const Request& request, std::string_view user_ident, bool disabled,
                             Responder respond);
void change_staff_grant(Services& services, const Request& request, std::string_view user_ident, bool grant,
                        Responder respond);
void list_audit_entries(Services& services, const Request& request, Responder respond);

// The query string's parameters, percent-decoded ('+' is a space). Malformed escapes are
// a 400. Exposed for tests.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

}  // namespace congress::api
