// Routes: method + path pattern ("/api/events/{id}") + who may call it + handler.
// handle() is a pure function of the request (no sockets), so tests drive it directly.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_types.hpp"

namespace congress::api {

// Who may call a route. Staff roles arrive with the organiser issue; every route declares
// its access now so that none is added without a decision.
enum class Access {
    public_read,        // anyone may read
    public_write,       // anyone may call (e.g. register); input is validated, limits apply
    registration_code,  // whoever holds the registration code in the path
};
std::string_view to_string(Access access);

class RouteParams {
public:
    void add(std::string name, std::string value) { values_.emplace_back(std::move(name), std::move(value)); }
    // Empty if absent.
    std::string_view get(std::string_view name) const;

private:
    std::vector<std::pair<std::string, std::string>> values_;
};

using Handler = std::function<void(const Request&, const RouteParams&, Responder)>;

struct Route {
    std::string method;
    std::string pattern;
    Access access;
    Handler handler;
    std::vector<std::string> segments;  // pattern split on '/'
};

class Router {
public:
    void add(std::string method, std::string pattern, Access access, Handler handler);
    // Serves GET and HEAD requests outside /api/ that no route matches (the web UI).
    void set_fallback(Handler handler);
    // Answers through `respond`, possibly later and from another thread. Exceptions
    // thrown by a handler become error responses here.
    void handle(const Request& request, Responder respond) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    std::vector<Route> routes_;
    Handler fallback_;
};

}  // namespace congress::api
