// The one error shape of the API, {"error":{"code":"...","message":"..."}}, and the one
// place where failures become HTTP statuses.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "api/http_types.hpp"

namespace congress::api {

// A client error raised by a handler: the status, a stable machine-readable code and a
// message a person can read.
class ApiError : public std::runtime_error {
public:
    ApiError(int status, std::string code, const std::string& message)
        : std::runtime_error(message), status_(status), code_(std::move(code)) {}
    int status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }

private:
    int status_;
    std::string code_;
};

// `extra` adds fields to the error object (e.g. "field" for invalid_field).
Response error_response(int status, std::string_view code, std::string_view message,
                        nlohmann::json extra = nullptr);
// 422 invalid_field naming the field.
Response invalid_field(std::string_view field, std::string_view message);

// Thrown at the edge for a bad field: becomes 422 invalid_field.
class FieldError : public ApiError {
public:
    FieldError(std::string field, const std::string& message)
        : ApiError(422, "invalid_field", message), field_(std::move(field)) {}
    const std::string& field() const noexcept { return field_; }

private:
    std::string field_;
};

// Maps any exception escaping a handler to a response: ApiError keeps its status, domain
// refusals are 409, NotFound 404, InvalidField 422; unexpected ones become a 500
// with no internals in the body (they are logged with the request id instead).
Response response_for_exception(std::exception_ptr error, std::string_view request_id);

}  // namespace congress::api
