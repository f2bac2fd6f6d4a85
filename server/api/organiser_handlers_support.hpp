// What the organiser handlers share: who is calling, path ids, body fields and query
// parameters checked at the edge, and the two ways a handler reaches the database (a read
// on a reader thread; a write on the single writer, then a read of its result).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/router.hpp"
#include "api/routes.hpp"
#include "domain/staff.hpp"
#include "domain/time.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"

namespace congress::api::organiser {

// The staff member calling: set by the router on every staff route.
const domain::Principal& caller(const Request& request);
storage::AuditContext audit_context(const Request& request, std::optional<std::string> reason = std::nullopt);

// The route's {id} (the router has checked it names an event the caller organises).
domain::Id event_id(const RouteParams& params);
// Another id in the path; ApiError 404 `not_found_code` if it is not a positive number.
domain::Id path_id(const RouteParams& params, const char* name, const char* not_found_code);

// ---- body fields (FieldError, 422, naming the field) ------------------------------------

// Text that may span lines (descriptions): trimmed, at most max_chars, no control
// characters other than line breaks and tabs. Present and empty: "".
std::optional<std::string> optional_multiline(const nlohmann::json& body, const char* field, std::size_t max_chars);
// "2027-08-24T10:30" (seconds allowed), a wall-clock time in the event's zone.
std::optional<domain::LocalTime> optional_local_time(const nlohmann::json& body, const char* field);
// As above, where null clears the field: outer empty = absent, inner empty = null.
std::optional<std::optional<domain::LocalTime>> nullable_local_time(const nlohmann::json& body, const char* field);
std::optional<int> optional_int(const nlohmann::json& body, const char* field, int min, int max);
std::optional<bool> optional_bool(const nlohmann::json& body, const char* field);
std::optional<std::optional<domain::Id>> nullable_id(const nlohmann::json& body, const char* field);
// A person's reason for a change: required, 1..2000 characters.
std::string required_reason(const nlohmann::json& body);
// Optional reason: "" when absent.
std::string optional_reason(const nlohmann::json& body);
// Names in order: 0..30 of them, each 1..300 characters.
std::optional<std::vector<std::string>> optional_names(const nlohmann::json& body, const char* field);
// Refuses a body field that is not one of `known` (a typo must not be silently ignored
// by an edit that then changes nothing).
void refuse_unknown_fields(const nlohmann::json& body, std::initializer_list<std::string_view> known);

// ---- query parameters -------------------------------------------------------------------

// The value of `name` in a query string (form-decoded: '+' is a space), or nullopt.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

// ---- errors -----------------------------------------------------------------------------

// Errors map to responses in one place: api::response_for_exception (api/errors.hpp).
// Organiser answers hold personal data: never stored by caches.
Response private_response(Response response);

// ---- database access --------------------------------------------------------------------

// Runs `read` on a reader thread and answers with what it returns (errors mapped).
void read_then_respond(Services& services, const Request& request, std::function<Response(storage::Connection&)> read,
                       Responder respond);

// A change in two steps: `write` runs on the single writer inside the command's
// transaction and returns what it made (e.g. {"id": 12}); after the commit, `answer` runs
// on a reader with that result and builds the response, so the writer never spends time
// serialising. A domain refusal rolls back only this change. With an Idempotency-Key
// header, the outcome is stored with the change and a repeat replays it (the answer is
// read again) without changing anything.
using WriteStep = std::function<nlohmann::json(storage::Connection&, storage::ChangeSet&)>;
using AnswerStep = std::function<Response(storage::Connection&, const nlohmann::json& result)>;
void write_then_answer(Services& services, const Request& request, WriteStep write, AnswerStep answer, Responder respond);

}  // namespace congress::api::organiser
