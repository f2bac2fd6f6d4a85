// The JSON bodies of every write route, through the real router and handlers against the
// demo database (api_fixture.hpp), with the authentication each route needs: the staff
// member's cookie and CSRF token (admin and organiser of every event) for staff routes,
// the fixture's registration code for a delegate's routes.
//
// Input: the first byte picks the route (its value modulo the number of routes below; the
// next multiple up adds an Idempotency-Key), the rest is the body, in which placeholders
// such as @SESSION@ or @TOKEN@ become the fixture's ids (see json_bodies.dict).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api_fixture.hpp"

using namespace congress;

namespace {

struct WriteRoute {
    const char* method;
    const char* target;  // with placeholders
    bool staff;
    // Acts on a registration of its own, made for this input (cancellations), so that the
    // fixture's registration stays confirmed for the other routes.
    bool own_registration = false;
};

// Every route of api/routes.cpp, organiser_routes.cpp, checkin_handlers.cpp,
// hotel_handlers.cpp and letter_handlers.cpp that takes a body, in that order, except
// POST /api/staff/logout (no body; it would only end the fixture's session).
const WriteRoute routes[] = {
    {"POST", "/api/events/@EVENT@/registrations", false},
    {"DELETE", "/api/registrations/@OWN@", false, true},
    {"POST", "/api/registrations/@CODE@/sessions", false},
    {"DELETE", "/api/registrations/@CODE@/sessions/@SESSION2@", false},
    {"POST", "/api/staff/login", false},
    {"POST", "/api/admin/users", true},
    {"POST", "/api/admin/users/@USER@/disable", true},
    {"POST", "/api/admin/users/@USER@/enable", true},
    {"POST", "/api/admin/users/@USER@/grants", true},
    {"DELETE", "/api/admin/users/@USER@/grants", true},
    {"POST", "/api/console/events", true},
    {"PATCH", "/api/events/@EVENT2@", true},
    {"POST", "/api/events/@EVENT@/tracks", true},
    {"PATCH", "/api/events/@EVENT@/tracks/@TRACK@", true},
    {"POST", "/api/events/@EVENT@/rooms", true},
    {"PATCH", "/api/events/@EVENT@/rooms/@ROOM@", true},
    {"PATCH", "/api/events/@EVENT@/venue", true},
    {"POST", "/api/events/@EVENT@/sessions", true},
    {"PATCH", "/api/events/@EVENT@/sessions/@SESSION2@", true},
    {"POST", "/api/events/@EVENT@/sessions/@SESSION2@/cancel", true},
    {"POST", "/api/events/@EVENT@/registrations/@REGISTRATION@/promote", true},
    {"POST", "/api/events/@EVENT@/registrations/@OWNID@/cancel", true, true},
    {"POST", "/api/events/@EVENT@/sessions/@SESSION@/enrolments/@REGISTRATION@/promote", true},
    {"POST", "/api/events/@EVENT@/sessions/@SESSION@/enrolments/@REGISTRATION@/cancel", true},
    {"POST", "/api/events/@EVENT@/sessions/@SESSION@/enrolments/@REGISTRATION@/move", true},
    {"POST", "/api/events/@EVENT@/checkin", true},
    {"POST", "/api/events/@EVENT@/checkin/sync", true},
    {"POST", "/api/events/@EVENT@/checkins/@CHECKIN@/undo", true},
    {"POST", "/api/events/@EVENT@/badges/printed", true},
    {"POST", "/api/events/@EVENT@/hotels", true},
    {"PATCH", "/api/events/@EVENT@/hotels/@HOTEL@", true},
    {"POST", "/api/events/@EVENT@/hotels/@HOTEL@/blocks", true},
    {"PATCH", "/api/events/@EVENT@/hotels/@HOTEL@/blocks/@BLOCK@", true},
    {"POST", "/api/registrations/@CODE@/accommodation", false},
    {"DELETE", "/api/registrations/@CODE@/accommodation", false},
    {"POST", "/api/registrations/@CODE@/letter", false},
    {"POST", "/api/events/@EVENT@/letters/@LETTER@/approve", true},
    {"POST", "/api/events/@EVENT@/letters/@LETTER@/refuse", true},
    {"POST", "/api/events/@EVENT@/letters/@LETTER@/revoke", true},
    {"PATCH", "/api/events/@EVENT@/letterhead", true},
};
constexpr std::size_t route_count = sizeof(routes) / sizeof(routes[0]);

std::string replace_all(std::string text, std::string_view from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fuzz::ApiFixture::get();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return -1;  // not worth keeping in the corpus
    auto& fixture = fuzz::ApiFixture::get();
    const auto& route = routes[data[0] % route_count];
    const bool idempotency_key = (data[0] / route_count) % 2 == 1;
    std::string target = route.target;
    if (route.own_registration) {
        // A delegate of its own to cancel: by code for the delegate's route, by id for the
        // organiser's.
        const auto code = fixture.new_registration();
        target = replace_all(target, "@OWN@", code);
        target = replace_all(target, "@OWNID@", std::to_string(fixture.registration_id(code)));
    }
    target = fixture.substitute(target);
    const auto body = fixture.substitute(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
    api::Headers headers;
    if (idempotency_key) headers.emplace_back("Idempotency-Key", "fuzz-" + std::to_string(size));
    fixture.send(route.method, target, body, std::move(headers), route.staff);
    if (target.rfind("/api/admin/", 0) == 0 || target.rfind("/api/staff/", 0) == 0) fixture.ensure_signed_in();
    return 0;
}
