#include "auth/tokens.hpp"

#include <array>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth/base64.hpp"
#include "util/random.hpp"

namespace congress::auth {

std::string random_token() {
    std::array<unsigned char, token_bytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("the random number generator failed");
    auto token = base64_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                               Base64Alphabet::url);
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return token;
}

bool looks_like_token(std::string_view text) {
    if (text.size() != token_chars) return false;
    for (const char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

std::string token_digest(std::string_view token) { return util::sha256_hex(token); }

bool tokens_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace congress::auth
