#include "api/errors.hpp"

#include <nlohmann/json.hpp>

#include "util/log.hpp"

namespace congress::api {

Response error_response(int status, std::string_view code, std::string_view message) {
    nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
    // Messages may quote client input: never let invalid UTF-8 break the error itself.
    auto response = json_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    response.set_header("Cache-Control", "no-store");
    return response;
}

Response response_for_exception(std::exception_ptr error, std::string_view request_id) {
    try {
        std::rethrow_exception(error);
    } catch (const ApiError& e) {
        return error_response(e.status(), e.code(), e.what());
    } catch (const std::exception& e) {
        log::error("api", std::string("unexpected error: ") + e.what(), request_id);
    } catch (...) {
        log::error("api", "unexpected non-standard exception", request_id);
    }
    return error_response(500, "internal_error",
                          "Something went wrong on the server. The error has been logged; please try again.");
}

}  // namespace congress::api
