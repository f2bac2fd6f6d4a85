#include "api/routes.hpp"

#include "api/admin_handlers.hpp"
#include "api/checkin_handlers.hpp"
#include "api/errors.hpp"
#include "api/event_handlers.hpp"
#include "api/hotel_handlers.hpp"
#include "api/letter_handlers.hpp"
#include "api/organiser_routes.hpp"
#include "api/registration_handlers.hpp"
#include "api/staff_handlers.hpp"
#include "domain/time.hpp"
#include "storage/database.hpp"
#include "util/unavailable.hpp"

#include <nlohmann/json.hpp>

namespace congress::api {

namespace {

// Staff sign-in, and the admin's accounts and audit log (docs/staff.md).
void add_staff_routes(Router& router, Services& services) {
    router.add("POST", "/api/staff/login", Access::public_write,
               [&services](const Request& request, const RouteParams&, Responder respond) {
                   staff_login(services, request, std::move(respond));
               });
    router.add("POST", "/api/staff/logout", Access::staff,
               [&services](const Request& request, const RouteParams&, Responder respond) {
                   staff_logout(services, request, std::move(respond));
               });
    router.add("GET", "/api/staff/me", Access::staff,
               [&services](const Request& request, const RouteParams&, Responder respond) {
                   staff_me(services, request, std::move(respond));
               });
    router.add("GET", "/api/admin/users", Access::admin,
               [&services](const Request& request, const RouteParams&, Responder respond) {
                   list_staff_users(services, request, std::move(respond));
               });
    router.add("POST", "/api/admin/users", Access::admin,
               [&services](const Request& request, const RouteParams&, Responder respond) {
                   create_staff_user(services, request, std::move(respond));
               });
    router.add("POST", "/api/admin/users/{user_id}/disable", Access::admin,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   set_staff_user_disabled(services, request, params.get("user_id"), true, std::move(respond));
               });
    router.add("POST", "/api/admin/users/{user_id}/enable", Access::admin,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   set_staff_user_disabled(services, request, params.get("user_id"), false, std::move(respond));
               });
    router.add("POST", "/api/admin/users/{user_id}/grants", Access::admin,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   change_staff_grant(services, request, params.get("user_id"), true, std::move(respond));
               });
    router.add("DELETE", "/api/admin/users/{user_id}/grants", Access::admin,
               [&services](const Request& request, const RouteParams& params, Responder respond) {
                   change_staff_grant(services, request, params.get("user_id"), false, std::move(respond));
               });
    router.add("GET", "/api/admin/audit", Access::admin,
               [&services](const Request& request, const RouteParams&, Responder respond) {
                   list_audit_entries(services, request, std::move(respond));
               });
}

// Pages without an extension in their address (the staff pages), as StaticFiles serves
// /events/{id} and /r/{code}.
std::string_view page_alias(std::string_view path) {
    if (path == "/login") return "/login.html";
    if (path == "/admin") return "/admin.html";
    if (path == "/badges") return "/badges.html";
    if (path == "/desk") return "/desk.html";
    return {};
}

// 200 {"status":"ok"}, or {"status":"degraded", "reason": code, "message", "since"} while
// writes fail (reads are still served, so still 200). While degraded every call also
// lets the database try a write, at most once a second, to notice the fault clearing.
Response health_response(storage::Database& db) {
    const auto health = db.write_health();
    nlohmann::json body = {{"status", "ok"}};
    if (!health.ok) {
        db.probe_writes();
        body = {{"status", "degraded"},
                {"reason", StorageUnavailable::code_of(health.cause)},
                {"message", StorageUnavailable::message_of(health.cause)},
                {"since", domain::format_utc(std::chrono::floor<std::chrono::seconds>(health.since))}};
    }
    auto response = json_response(200, body.dump());
    response.set_header("Cache-Control", "no-store");
    return response;
}

}  // namespace

void add_routes(Router& router, Services& services) {
    if (services.authenticator) router.set_authenticator(services.authenticator);
    router.add("GET", "/api/health", Access::public_read,
               [&services](const Request&, const RouteParams&, Responder respond) {
                   respond(health_response(services.db));
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
    add_staff_routes(router, services);
    add_organiser_routes(router, services);
    add_checkin_routes(router, services);
    add_hotel_routes(router, services);
    add_letter_routes(router, services);

    router.set_fallback([&services](const Request& request, const RouteParams&, Responder respond) {
        if (const auto page = page_alias(request.path); !page.empty()) {
            Request aliased = request;
            aliased.path = std::string(page);
            respond(services.web.serve(aliased));
            return;
        }
        respond(services.web.serve(request));
    });
}

}  // namespace congress::api
