// Handlers of the organiser console's API (docs/api.md, "Organiser console"). The routes
// are in organiser_routes.cpp; every one but the console's event list, the venue list and
// event creation is under /api/events/{id}/..., where the router has already checked that
// the caller may organise event {id}. Each handler checks that whatever else the path names
// (a session, track, room or registration) belongs to that event, and answers 404 if not.
#pragma once

#include "api/router.hpp"
#include "api/routes.hpp"

namespace congress::api::organiser {

// Events
void list_events(Services& services, const Request& request, const RouteParams& params, Responder respond);
void create_event(Services& services, const Request& request, const RouteParams& params, Responder respond);
void list_venues(Services& services, const Request& request, const RouteParams& params, Responder respond);
void get_event(Services& services, const Request& request, const RouteParams& params, Responder respond);
void update_event(Services& services, const Request& request, const RouteParams& params, Responder respond);

// Programme
void create_track(Services& services, const Request& request, const RouteParams& params, Responder respond);
void update_track(Services& services, const Request& request, const RouteParams& params, Responder respond);
void create_room(Services& services, const Request& request, const RouteParams& params, Responder respond);
void update_room(Services& services, const Request& request, const RouteParams& params, Responder respond);
void update_venue(Services& services, const Request& request, const RouteParams& params, Responder respond);
void create_session(Services& services, const Request& request, const RouteParams& params, Responder respond);
void update_session(Services& services, const Request& request, const RouteParams& params, Responder respond);
void cancel_session(Services& services, const Request& request, const RouteParams& params, Responder respond);

// Registrations
void list_registrations(Services& services, const Request& request, const RouteParams& params, Responder respond);
void list_session_enrolments(Services& services, const Request& request, const RouteParams& params, Responder respond);
void promote_registration(Services& services, const Request& request, const RouteParams& params, Responder respond);
void cancel_registration(Services& services, const Request& request, const RouteParams& params, Responder respond);
void promote_enrolment(Services& services, const Request& request, const RouteParams& params, Responder respond);
void cancel_enrolment(Services& services, const Request& request, const RouteParams& params, Responder respond);
void move_enrolment(Services& services, const Request& request, const RouteParams& params, Responder respond);
void export_registrations(Services& services, const Request& request, const RouteParams& params, Responder respond);
void export_enrolments(Services& services, const Request& request, const RouteParams& params, Responder respond);
void activity(Services& services, const Request& request, const RouteParams& params, Responder respond);

}  // namespace congress::api::organiser
