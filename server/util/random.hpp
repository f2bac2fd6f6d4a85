// Unguessable tokens from OpenSSL's CSPRNG.
#pragma once

#include <string>
#include <string_view>

namespace congress::util {

// 130 random bits as 26 lowercase base32 characters (RFC 4648 alphabet, no padding).
// Throws std::runtime_error if the RNG fails.
std::string random_code();

// True if `text` has the shape of a random_code() (26 base32 characters).
bool looks_like_code(std::string_view text);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace congress::util
