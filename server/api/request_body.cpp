#include "api/request_body.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "api/errors.hpp"

namespace congress::api {

namespace {

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
}

// Counts code points and refuses control characters (C0, DEL, C1). The JSON parser has
// already refused invalid UTF-8.
std::optional<std::size_t> count_printable(std::string_view text) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) return std::nullopt;
        if (c == 0xc2 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9f) return std::nullopt;  // U+0080..U+009F
        }
        if ((c & 0xc0) != 0x80) ++count;
    }
    return count;
}

std::string trim(std::string text) {
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
    text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
    return text;
}

std::optional<std::string> text_field(const nlohmann::json& body, const char* field, std::size_t max_chars, bool required) {
    if (!body.contains(field) || body[field].is_null()) {
        if (required) throw FieldError(field, std::string(field) + " is required.");
        return std::nullopt;
    }
    if (!body[field].is_string()) throw FieldError(field, std::string(field) + " must be text.");
    auto value = trim(body[field].get<std::string>());
    const auto chars = count_printable(value);
    if (!chars) throw FieldError(field, std::string(field) + " must not contain control characters.");
    if (*chars == 0) {
        if (required) throw FieldError(field, std::string(field) + " is required.");
        return std::nullopt;
    }
    if (*chars > max_chars)
        throw FieldError(field, std::string(field) + " is too long (at most " + std::to_string(max_chars) + " characters).");
    return value;
}

}  // namespace

nlohmann::json parse_json_object(const Request& request) {
    const auto type = request.header("Content-Type");
    const bool json_type = starts_with_ci(type, "application/json") &&
                           (type.size() == 16 || type[16] == ';' || type[16] == ' ');
    if (!json_type)
        throw ApiError(415, "unsupported_media_type", "Send the request body as JSON (Content-Type: application/json).");
    auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
        throw ApiError(400, "invalid_json", "The request body must be a JSON object in valid UTF-8.");
    return body;
}

std::string required_text(const nlohmann::json& body, const char* field, std::size_t max_chars) {
    return *text_field(body, field, max_chars, true);
}

std::optional<std::string> optional_text(const nlohmann::json& body, const char* field, std::size_t max_chars) {
    return text_field(body, field, max_chars, false);
}

std::string required_email(const nlohmann::json& body, const char* field) {
    auto email = required_text(body, field, 254);
    const auto at = email.find('@');
    const bool shape_ok = at != std::string::npos && at > 0 && at <= 64 && email.find('@', at + 1) == std::string::npos &&
                          email.find('.', at + 2) != std::string::npos && email.back() != '.' &&
                          std::none_of(email.begin(), email.end(), [](unsigned char c) {
                              return std::isspace(c) || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' ||
                                     c == ';' || c == ':' || c == '\\' || c == '"' || c == '[' || c == ']';
                          });
    if (!shape_ok) throw FieldError(field, "This is not a valid email address.");
    return email;
}

std::optional<std::int64_t> optional_id(const nlohmann::json& body, const char* field) {
    if (!body.contains(field) || body[field].is_null()) return std::nullopt;
    const auto& value = body[field];
    if (!value.is_number_integer() || value.get<std::int64_t>() <= 0)
        throw FieldError(field, std::string(field) + " must be a positive whole number.");
    return value.get<std::int64_t>();
}

std::int64_t required_id(const nlohmann::json& body, const char* field) {
    auto id = optional_id(body, field);
    if (!id) throw FieldError(field, std::string(field) + " is required.");
    return *id;
}

std::optional<std::string> optional_language(const nlohmann::json& body, const char* field) {
    auto value = optional_text(body, field, 10);
    if (value && *value != "en" && *value != "fr" && *value != "es")
        throw FieldError(field, std::string(field) + " must be one of en, fr, es.");
    return value;
}

std::optional<std::string> idempotency_key(const Request& request) {
    const auto key = request.header("Idempotency-Key");
    if (key.empty()) return std::nullopt;
    if (key.size() > 200 || !std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x21 && c <= 0x7e; }))
        throw FieldError("Idempotency-Key", "The Idempotency-Key header must be 1 to 200 visible ASCII characters.");
    return std::string(key);
}

bool is_slug(std::string_view text) {
    return !text.empty() && text.size() <= 100 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
           });
}

std::optional<std::int64_t> parse_id(std::string_view text) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
}

}  // namespace congress::api
