#include "api/router.hpp"

#include <openssl/crypto.h>

#include "api/errors.hpp"
#include "util/log.hpp"

namespace congress::api {

namespace {

bool csrf_tokens_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t start = 1;  // paths begin with '/'
    while (start <= path.size()) {
        const auto end = path.find('/', start);
        segments.emplace_back(path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return segments;
}

bool is_param(const std::string& segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool match(const Route& route, const std::vector<std::string>& segments, RouteParams& params) {
    if (route.segments.size() != segments.size()) return false;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto& expected = route.segments[i];
        if (is_param(expected)) {
            if (segments[i].empty()) return false;
        } else if (expected != segments[i]) {
            return false;
        }
    }
    for (std::size_t i = 0; i < segments.size(); ++i)
        if (is_param(route.segments[i])) params.add(route.segments[i].substr(1, route.segments[i].size() - 2), segments[i]);
    return true;
}

}  // namespace

std::string_view to_string(Access access) {
    switch (access) {
        case Access::public_read: return "public";
        case Access::public_write: return "public write";
        case Access::registration_code: return "registration code";
        case Access::staff: return "staff";
        case Access::organiser: return "organiser of the event";
        case Access::organiser_all: return "organiser of every event";
        case Access::checkin: return "check-in staff of the event";
        case Access::admin: return "admin";
    }
    return "unknown";
}

bool needs_staff(Access access) {
    switch (access) {
        case Access::public_read:
        case Access::public_write:
        case Access::registration_code:
            return false;
        case Access::staff:
        case Access::organiser:
        case Access::organiser_all:
        case Access::checkin:
        case Access::admin:
            return true;
    }
    return true;
}

std::string_view RouteParams::get(std::string_view name) const {
    for (const auto& [key, value] : values_)
        if (key == name) return value;
    return {};
}

void Router::add(std::string method, std::string pattern, Access access, Handler handler) {
    auto segments = split_path(pattern);
    routes_.push_back(Route{std::move(method), std::move(pattern), access, std::move(handler), std::move(segments)});
}

void Router::set_fallback(Handler handler) { fallback_ = std::move(handler); }

void Router::set_authenticator(Authenticator authenticator) { authenticator_ = std::move(authenticator); }

namespace {

bool changes_state(std::string_view method) { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }

// The event id named by the route's {id}, or 0 if it is not a positive number.
domain::Id event_param(const RouteParams& params) {
    const auto text = params.get("id");
    if (text.empty() || text.size() > 18) return 0;
    domain::Id id = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return 0;
        id = id * 10 + (c - '0');
    }
    return id;
}

// Why this caller may not use a route with this access, or nullopt if they may.
std::optional<Response> refusal(Access access, const Caller& caller, const Request& request, const RouteParams& params) {
    if (!caller.staff)
        return error_response(401, "not_signed_in", "Sign in as staff to use this (POST /api/staff/login).");
    const auto& who = *caller.staff;
    if (changes_state(request.method)) {
        // Cookies go with cross-site requests too; a changing request must also show the
        // session's CSRF token, which only our own pages can read.
        const auto token = request.header("X-CSRF-Token");
        if (caller.csrf_token.empty() || token.size() != caller.csrf_token.size() ||
            !csrf_tokens_equal(token, caller.csrf_token))
            return error_response(403, "csrf_failed", "This change needs the X-CSRF-Token header of your session.");
    }
    bool allowed = false;
    switch (access) {
        case Access::staff: allowed = true; break;
        case Access::admin: allowed = who.is_admin(); break;
        case Access::organiser: allowed = who.can_organise(event_param(params)); break;
        case Access::organiser_all: allowed = who.organises_every_event(); break;
        case Access::checkin: allowed = who.can_check_in(event_param(params)); break;
        default: allowed = false; break;
    }
    if (!allowed) return error_response(403, "forbidden", "Your staff role does not allow this (" + std::string(to_string(access)) + ").");
    return std::nullopt;
}

}  // namespace

void Router::dispatch(const Route& route, const Request& request, RouteParams params, Responder respond) const {
    if (!needs_staff(route.access)) {
        route.handler(request, params, respond);
        return;
    }
    if (!authenticator_) {
        respond(error_response(401, "not_signed_in", "Staff sign-in is not available on this server."));
        return;
    }
    authenticator_(request, [&route, req = request, params = std::move(params), respond](Caller caller) mutable {
        try {
            if (auto refused = refusal(route.access, caller, req, params)) {
                // A signed-in person refused is worth knowing about (a forged page, a probe
                // of another event's ids); anonymous 401s are routine.
                if (caller.staff)
                    log::warn("auth",
                              "refused " + req.method + " " + req.path + " (" + std::string(to_string(route.access)) +
                                  ") to " + caller.staff->email + ": " + std::to_string(refused->status) + " " + *refused->body,
                              req.request_id);
                respond(std::move(*refused));
                return;
            }
            req.staff = std::move(caller.staff);
            route.handler(req, params, respond);
        } catch (...) {
            // The handler answers last, so one that throws has not answered yet.
            respond(response_for_exception(std::current_exception(), req.request_id));
        }
    });
}

void Router::handle(const Request& request, Responder respond) const {
    try {
        if (request.path.empty() || request.path.front() != '/') {
            respond(error_response(400, "bad_request", "The request target must be an absolute path."));
            return;
        }
        const auto segments = split_path(request.path);
        // HEAD is answered by the GET route; the network layer drops the body.
        const std::string_view method = request.method == "HEAD" ? std::string_view("GET") : request.method;
        std::string allowed;
        for (const auto& route : routes_) {
            RouteParams params;
            if (!match(route, segments, params)) continue;
            if (route.method == method) {
                dispatch(route, request, std::move(params), respond);
                return;
            }
            if (!allowed.empty()) allowed += ", ";
            allowed += route.method;
            if (route.method == "GET") allowed += ", HEAD";
        }
        if (!allowed.empty()) {
            auto response = error_response(405, "method_not_allowed",
                                           "This resource does not accept " + request.method + "; it accepts " + allowed + ".");
            response.set_header("Allow", allowed);
            respond(std::move(response));
            return;
        }
        const bool api = request.path == "/api" || request.path.rfind("/api/", 0) == 0;
        if (!api && fallback_) {
            if (method != "GET") {
                auto response = error_response(405, "method_not_allowed", "Web pages accept only GET and HEAD.");
                response.set_header("Allow", "GET, HEAD");
                respond(std::move(response));
                return;
            }
            fallback_(request, RouteParams{}, respond);
            return;
        }
        respond(error_response(404, "not_found", "There is no API route " + request.path + "."));
    } catch (...) {
        // Handlers answer last, so one that throws has not answered yet.
        respond(response_for_exception(std::current_exception(), request.request_id));
    }
}

}  // namespace congress::api
