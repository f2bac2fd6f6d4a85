// The one error shape of the API, {"error":{"code":"...","message":"..."}}, and the one
// place where failures become HTTP statuses.
#pragma once

#include <stdexcept>
#include <string>

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

Response error_response(int status, std::string_view code, std::string_view message);

// Maps any exception escaping a handler to a response; unexpected ones become a 500
// with no internals in the body (they are logged with the request id instead).
Response response_for_exception(std::exception_ptr error, std::string_view request_id);

}  // namespace congress::api
