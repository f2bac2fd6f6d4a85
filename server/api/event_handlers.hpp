// Handlers for the public read API: the event list and one event's programme.
#pragma once

#include <string_view>

#include "api/routes.hpp"

namespace congress::api {

void list_events(Services& services, const Request& request, Responder respond);
// `ident` is an event id ("42") or slug ("hyderabad-2014").
void get_event(Services& services, const Request& request, std::string_view ident, Responder respond);

}  // namespace congress::api
