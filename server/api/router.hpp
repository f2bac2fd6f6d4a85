// Routes: method + path pattern ("/api/events/{id}") + who may call it + handler.
// handle() is a pure function of the request (no sockets), so tests drive it directly.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_types.hpp"
#include "domain/staff.hpp"

namespace congress::api {

// Who may call a route. Every route declares one; Router::handle enforces it in one place
// (tests/unit/route_access_test walks every route with every kind of caller).
enum class Access {
    public_read,        // anyone may read
    public_write,       // anyone may call (e.g. register); input is validated, limits apply
    registration_code,  // whoever holds the registration code in the path
    staff,              // any signed-in staff member (the handler narrows it further)
    organiser,          // staff who may organise the event whose id is the route's {id}
    organiser_all,      // staff who organise every event (e.g. to create a new one)
    checkin,            // staff who may check in at the event whose id is the route's {id}
    admin,              // staff with the admin role
};
std::string_view to_string(Access access);
bool needs_staff(Access access);

// Who is calling, as the authenticator found it (from the staff session cookie).
struct Caller {
    std::shared_ptr<const domain::Principal> staff;  // null: not a signed-in staff member
    std::string csrf_token;                          // the session's; empty without one
};
// Finds the caller of a request and answers through the callback, possibly later and on
// another thread (it may read the database).
using Authenticator = std::function<void(const Request&, std::function<void(Caller)>)>;

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
    // Needed by routes with staff access; without one, every such route answers 401.
    void set_authenticator(Authenticator authenticator);
    // Answers through `respond`, possibly later and from another thread. Exceptions
    // thrown by a handler become error responses here.
    void handle(const Request& request, Responder respond) const;
    const std::vector<Route>& routes() const { return routes_; }

private:
    void dispatch(const Route& route, const Request& request, RouteParams params, Responder respond) const;

    std::vector<Route> routes_;
    Handler fallback_;
    Authenticator authenticator_;
};

}  // namespace congress::api
