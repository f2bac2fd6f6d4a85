#include "api/routes.hpp"

#include "api/errors.hpp"
#include "api/event_handlers.hpp"

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
    router.set_fallback([&services](const Request& request, const RouteParams&, Responder respond) {
        respond(services.web.serve(request));
    });
}

}  // namespace congress::api
