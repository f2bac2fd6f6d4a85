#include "api/routes.hpp"

#include "api/errors.hpp"
#include "api/event_handlers.hpp"
#include "api/organiser_routes.hpp"
#include "api/registration_handlers.hpp"

namespace congress::api {

void add_routes(Router& router, Services& services) {
    router.add("GET", "/api/health", Access::public_read,
               [](const Request&, const RouteParams&, Responder respond) {
                   auto response = json_response(200, R"({"status":"ok"})");
                   response.set_header("Cache-Control", "no-store");
                   respond(std::move(response));
               });
    router.add("GET", "/api/events", Access::public_read,
               [&services](const Request& request, const RouteParams&, Responder respond) {
                   list_events(services, request, std::move(respond));
               });
    router.add("GET", "/api/events/{id}", Access::public_read,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   get_event(services, request, params.get("id"), std::move(respond));
               });
    router.add("GET", "/api/organisations", Access::public_read,
               [&services](const Request& request, const RouteParams&, Responder respond) {
                   list_organisations(services, request, std::move(respond));
               });
    router.add("POST", "/api/events/{id}/registrations", Access::public_write,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   create_registration(services, request, params.get("id"), std::move(respond));
               });
    router.add("GET", "/api/registrations/{code}", Access::registration_code,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   get_registration(services, request, params.get("code"), std::move(respond));
               });
    router.add("DELETE", "/api/registrations/{code}", Access::registration_code,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   cancel_registration(services, request, params.get("code"), std::move(respond));
               });
    router.add("POST", "/api/registrations/{code}/sessions", Access::registration_code,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   enrol_in_session(services, request, params.get("code"), std::move(respond));
               });
    router.add("DELETE", "/api/registrations/{code}/sessions/{session_id}", Access::registration_code,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   leave_session(services, request, params.get("code"), params.get("session_id"), std::move(respond));
               });
    router.set_fallback([&services](const Request& request, const RouteParams&, Responder respond) {
        respond(services.web.serve(request));
    });
    add_organiser_routes(router, services);
}

}  // namespace congress::api
