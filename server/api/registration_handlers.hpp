// Handlers for registrations and session enrolments. Each change is one command for the
// single database writer; the answer is sent only after its commit.
#pragma once

#include <string_view>

#include "api/routes.hpp"

namespace congress::api {

void list_organisations(Services& services, const Request& request, Responder respond);
void create_registration(Services& services, const Request& request, std::string_view event_ident, Responder respond);
void get_registration(Services& services, const Request& request, std::string_view code, Responder respond);
void cancel_registration(Services& services, const Request& request, std::string_view code, Responder respond);
void enrol_in_session(Services& services, const Request& request, std::string_view code, Responder respond);
void leave_session(Services& services, const Request& request, std::string_view code, std::string_view session_ident,
                   Responder respond);

}  // namespace congress::api
