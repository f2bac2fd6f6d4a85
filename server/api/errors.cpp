#include "api/errors.hpp"

#include <nlohmann/json.hpp>

#include "domain/registration.hpp"
#include "util/log.hpp"
#include "util/unavailable.hpp"

namespace congress::api {

Response invalid_field(std::string_view field, std::string_view message) {
    return error_response(422, "invalid_field", message, {{"field", field}});
}

Response error_response(int status, std::string_view code, std::string_view message, nlohmann::json extra) {
    nlohmann::json error = {{"code", code}, {"message", message}};
    if (extra.is_object())
        for (auto& [name, value] : extra.items()) error[name] = std::move(value);
    nlohmann::json body = {{"error", std::move(error)}};
    // Messages may quote client input: never let invalid UTF-8 break the error itself.
    auto response = json_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    response.set_header("Cache-Control", "no-store");
    return response;
}

Response response_for_exception(std::exception_ptr error, std::string_view request_id) {
    try {
        std::rethrow_exception(error);
    } catch (const FieldError& e) {
        return invalid_field(e.field(), e.what());
    } catch (const ApiError& e) {
        return error_response(e.status(), e.code(), e.what());
    } catch (const domain::Refusal& e) {
        // A session's capacity above its room's is a bad value in the capacity field (422);
        // a room made smaller than a session it holds is a conflict with the programme that
        // still names the field (409).
        if (e.code() == "capacity_above_room") return error_response(422, e.code(), e.what(), {{"field", "capacity"}});
        if (e.code() == "room_smaller_than_session")
            return error_response(409, e.code(), e.what(), {{"field", "capacity"}});
        nlohmann::json extra;
        if (const auto& s = e.session()) {
            extra["session"] = {{"id", s->id},
                                {"title", s->title},
                                {"starts_at", domain::format_in_zone(s->starts_at, s->timezone)},
                                {"ends_at", domain::format_in_zone(s->ends_at, s->timezone)}};
        }
        return error_response(409, e.code(), e.what(), std::move(extra));
    } catch (const domain::NotFound& e) {
        return error_response(404, e.code(), e.what());
    } catch (const domain::InvalidField& e) {
        return invalid_field(e.field(), e.what());
    } catch (const StorageUnavailable& e) {
        // Not a bug and not the client's fault: the database logs the cause once.
        auto response = error_response(503, e.code(), e.message());
        response.set_header("Retry-After", std::to_string(e.retry_after_seconds()));
        return response;
    } catch (const std::exception& e) {
        log::error("api", std::string("unexpected error: ") + e.what(), request_id);
    } catch (...) {
        log::error("api", "unexpected non-standard exception", request_id);
    }
    return error_response(500, "internal_error",
                          "Something went wrong on the server. The error has been logged; please try again.");
}

}  // namespace congress::api
