// Base64 without padding, in the standard alphabet (password hashes, as in the PHC string
// format) and the URL-safe one (tokens that travel in cookies and headers).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace congress::auth {

enum class Base64Alphabet { standard, url };

std::string base64_encode(std::string_view bytes, Base64Alphabet alphabet);
// Strict: only the alphabet's characters, no padding, no whitespace, no stray bits in the
// last character. nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet);

}  // namespace congress::auth
