#include "api/event_handlers.hpp"

#include <optional>

#include "api/errors.hpp"
#include "api/event_json.hpp"
#include "api/json_text.hpp"
#include "api/request_body.hpp"
#include "storage/event_repository.hpp"

namespace congress::api {

namespace {

constexpr std::string_view events_key = "events";

Response no_such_event(std::string_view ident) {
    return error_response(404, "event_not_found", "There is no event \"" + std::string(ident) + "\".");
}

// Answers from the cache, or reads the database on a reader thread, fills the cache and
// answers from there. `load` returns the body, or nullopt for "not found".
template <typename Load>
void serve_cached(Services& services, const Request& request, std::string key, Load load, Responder respond,
                  std::string ident) {
    if (auto cached = services.cache.get(key)) {
        respond(cached_response(request.header("If-None-Match"), *cached));
        return;
    }
    const auto generation = services.cache.generation();
    services.db.read([&services, key = std::move(key), load = std::move(load), respond = std::move(respond),
                      ident = std::move(ident), generation, if_none_match = std::string(request.header("If-None-Match")),
                      request_id = request.request_id](storage::Connection& conn) {
        try {
            auto body = load(conn);
            if (!body) {
                respond(no_such_event(ident));
                return;
            }
            const auto cached = services.cache.put(key, std::move(*body), generation);
            respond(cached_response(if_none_match, cached));
        } catch (...) {
            respond(response_for_exception(std::current_exception(), request_id));
        }
    });
}

}  // namespace

void list_events(Services& services, const Request& request, Responder respond) {
    serve_cached(
        services, request, std::string(events_key),
        [](storage::Connection& conn) -> std::optional<std::string> {
            nlohmann::json events = nlohmann::json::array();
            for (const auto& event : storage::list_events(conn)) events.push_back(event_json(event));
            return json_text({{"events", std::move(events)}});
        },
        std::move(respond), {});
}

void get_event(Services& services, const Request& request, std::string_view ident, Responder respond) {
    // The same parsing as the write routes: a positive id, or else a slug.
    const auto id = parse_id(ident);
    if (!id && !is_slug(ident)) {
        respond(no_such_event(ident.substr(0, 100)));
        return;
    }
    serve_cached(
        services, request, "event:" + std::string(ident),
        [id, slug = std::string(ident)](storage::Connection& conn) -> std::optional<std::string> {
            const auto event_id = id ? id : storage::find_event_id_by_slug(conn, slug);
            if (!event_id) return std::nullopt;
            const auto programme = storage::load_programme(conn, *event_id);
            if (!programme) return std::nullopt;
            return json_text(programme_json(*programme));
        },
        std::move(respond), std::string(ident));
}

}  // namespace congress::api
