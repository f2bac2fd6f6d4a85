#include "api/router.hpp"

#include "api/errors.hpp"

namespace congress::api {

namespace {

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
    }
    return "unknown";
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
                route.handler(request, params, respond);
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
