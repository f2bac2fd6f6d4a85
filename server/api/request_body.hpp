// Validation at the edge: JSON request bodies and their fields. Everything that reaches a
// handler's command has passed through here; failures are ApiError (400/415) or
// FieldError (422 naming the field).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/http_types.hpp"

namespace congress::api {

// The body as a JSON object. 415 unless Content-Type is application/json; 400 invalid_json
// if it is not a JSON object or not valid UTF-8.
nlohmann::json parse_json_object(const Request& request);

// A text field: trimmed, 1..max_chars characters (code points), no control characters.
std::string required_text(const nlohmann::json& body, const char* field, std::size_t max_chars);
std::optional<std::string> optional_text(const nlohmann::json& body, const char* field, std::size_t max_chars);
std::string required_email(const nlohmann::json& body, const char* field);
std::optional<std::int64_t> optional_id(const nlohmann::json& body, const char* field);
std::int64_t required_id(const nlohmann::json& body, const char* field);
// One of the UI's languages ("en", "fr", "es").
std::optional<std::string> optional_language(const nlohmann::json& body, const char* field);

// The Idempotency-Key header, if any: 1..200 visible ASCII characters (422 otherwise).
std::optional<std::string> idempotency_key(const Request& request);

// An event slug: 1..100 of [a-z0-9-].
bool is_slug(std::string_view text);

// A positive integer path segment, or nullopt.
std::optional<std::int64_t> parse_id(std::string_view text);

}  // namespace congress::api
