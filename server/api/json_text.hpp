#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace congress::api {

// Serialises JSON for a response body. Stored text that is not valid UTF-8 is replaced
// (U+FFFD) rather than failing the whole response.
inline std::string json_text(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace congress::api
