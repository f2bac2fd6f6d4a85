// The status line and headers of every answer the server writes, in one place: the HTTP
// sessions' answers and the 503 written straight to a socket past the per-address
// connection limit carry the same security headers and X-Request-Id.
#pragma once

#include <string>
#include <string_view>

#include "api/http_types.hpp"

namespace congress::net {

// A new request id ("0000002a"): in the log line and in X-Request-Id.
std::string next_request_id();

// Writes the head of `response` into `out` (cleared first), ending with the empty line.
// A handler's header replaces the default of the same name; of a handler's headers with
// one name the last wins; line breaks in values become spaces. `tls` adds
// Strict-Transport-Security; `close` adds "Connection: close".
void write_response_head(std::string& out, const api::Response& response, std::string_view request_id, bool tls,
                         bool close);

}  // namespace congress::net
