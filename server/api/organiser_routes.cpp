#include "api/organiser_routes.hpp"

#include "api/organiser_handlers.hpp"

namespace congress::api {

namespace {

using OrganiserHandler = void (*)(Services&, const Request&, const RouteParams&, Responder);

void add(Router& router, Services& services, const char* method, const char* pattern, Access access,
         OrganiserHandler handler) {
    router.add(method, pattern, access, [&services, handler](const Request& request, const RouteParams& params, Responder respond) {
        handler(services, request, params, std::move(respond));
    });
}

}  // namespace

void add_organiser_routes(Router& router, Services& services) {
    using namespace organiser;
    // Not tied to one event: the handlers narrow them to what the caller may organise.
    add(router, services, "GET", "/api/console/events", Access::staff, list_events);
    add(router, services, "POST", "/api/console/events", Access::organiser_all, create_event);
    add(router, services, "GET", "/api/console/venues", Access::staff, list_venues);

    // One event: the router lets through only staff who may organise event {id}.
    add(router, services, "GET", "/api/events/{id}/console", Access::organiser, get_event);
    add(router, services, "PATCH", "/api/events/{id}", Access::organiser, update_event);
    add(router, services, "POST", "/api/events/{id}/tracks", Access::organiser, create_track);
    add(router, services, "PATCH", "/api/events/{id}/tracks/{track_id}", Access::organiser, update_track);
    add(router, services, "POST", "/api/events/{id}/rooms", Access::organiser, create_room);
    add(router, services, "PATCH", "/api/events/{id}/rooms/{room_id}", Access::organiser, update_room);
    add(router, services, "PATCH", "/api/events/{id}/venue", Access::organiser, update_venue);
    add(router, services, "POST", "/api/events/{id}/sessions", Access::organiser, create_session);
    add(router, services, "PATCH", "/api/events/{id}/sessions/{session_id}", Access::organiser, update_session);
    add(router, services, "POST", "/api/events/{id}/sessions/{session_id}/cancel", Access::organiser, cancel_session);

    add(router, services, "GET", "/api/events/{id}/registrations", Access::organiser, list_registrations);
    add(router, services, "POST", "/api/events/{id}/registrations/{registration_id}/promote", Access::organiser,
        promote_registration);
    add(router, services, "POST", "/api/events/{id}/registrations/{registration_id}/cancel", Access::organiser,
        cancel_registration);
    add(router, services, "GET", "/api/events/{id}/sessions/{session_id}/enrolments", Access::organiser,
        list_session_enrolments);
    add(router, services, "POST", "/api/events/{id}/sessions/{session_id}/enrolments/{registration_id}/promote",
        Access::organiser, promote_enrolment);
    add(router, services, "POST", "/api/events/{id}/sessions/{session_id}/enrolments/{registration_id}/cancel",
        Access::organiser, cancel_enrolment);
    add(router, services, "POST", "/api/events/{id}/sessions/{session_id}/enrolments/{registration_id}/move",
        Access::organiser, move_enrolment);
    add(router, services, "GET", "/api/events/{id}/export/registrations.csv", Access::organiser, export_registrations);
    add(router, services, "GET", "/api/events/{id}/export/enrolments.csv", Access::organiser, export_enrolments);
    add(router, services, "GET", "/api/events/{id}/activity", Access::organiser, activity);
}

}  // namespace congress::api
