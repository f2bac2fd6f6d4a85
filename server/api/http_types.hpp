// The HTTP request and response as the API layer sees them: plain structs, no Beast, so
// that handlers and the router can be driven by tests without sockets.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace congress::domain {
struct Principal;
}

namespace congress::api {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
    std::string method;  // "GET", "POST", ...
    std::string target;  // as received: path and query
    std::string path;    // target without the query, not percent-decoded
    std::string query;   // after '?', without it
    Headers headers;
    std::string body;
    std::string request_id;
    std::string remote_address;
    bool secure = false;  // received over TLS
    // Set by the router for routes with staff access, before the handler runs: who is
    // calling (never null there). Null everywhere else.
    std::shared_ptr<const domain::Principal> staff;

    // Case-insensitive header lookup; empty if absent.
    std::string_view header(std::string_view name) const;
};

// A body sent in pieces as it is made (Transfer-Encoding: chunked), for answers too large to
// build in memory, such as the CSV exports. The network layer asks for one piece at a time,
// once the previous one is written, so at most one piece is held per answer.
class BodyStream {
public:
    // `piece` empty: the body is complete, or, with `failed`, cut short (the connection is
    // then closed without the last chunk, so the client sees an incomplete answer).
    using Deliver = std::function<void(std::string piece, bool failed)>;
    virtual ~BodyStream() = default;
    // Calls `deliver` exactly once, from any thread.
    virtual void next(Deliver deliver) = 0;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    // Shared so that cached bodies are sent without a copy.
    std::shared_ptr<const std::string> body;
    // Set instead of `body` for a streamed answer.
    std::shared_ptr<BodyStream> stream;
    Headers headers;

    void set_header(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
    std::string_view header(std::string_view name) const;
};

Response json_response(int status, std::string body);
Response text_response(int status, std::string content_type, std::string body);

// Called exactly once with the answer, from any thread.
using Responder = std::function<void(Response)>;

// Splits a request target into path and query.
void split_target(std::string_view target, std::string& path, std::string& query);

}  // namespace congress::api
