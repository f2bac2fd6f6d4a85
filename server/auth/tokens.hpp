// Session and CSRF tokens: 256 random bits from OpenSSL's CSPRNG, as 43 URL-safe base64
// characters (fit for a cookie or a header as they are).
#pragma once

#include <string>
#include <string_view>

namespace congress::auth {

inline constexpr std::size_t token_bytes = 32;
inline constexpr std::size_t token_chars = 43;

// Throws std::runtime_error if the RNG fails.
std::string random_token();

// True if `text` has the shape of a random_token(): check before any look-up, so that
// garbage from a cookie costs nothing.
bool looks_like_token(std::string_view text);

// What the database stores instead of a session token: lowercase hex SHA-256.
std::string token_digest(std::string_view token);

// Constant-time comparison (for the CSRF token a request sends against the session's).
// Different lengths compare unequal; the time depends on the length only.
bool tokens_equal(std::string_view a, std::string_view b);

}  // namespace congress::auth
