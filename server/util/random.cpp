#include "util/random.hpp"

#include <array>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace congress::util {

namespace {
constexpr std::string_view base32_alphabet = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::size_t code_length = 26;  // 26 * 5 = 130 bits
}  // namespace

std::string random_code() {
    std::array<unsigned char, code_length> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("the random number generator failed");
    std::string code(code_length, 'a');
    for (std::size_t i = 0; i < code_length; ++i) code[i] = base32_alphabet[bytes[i] & 0x1f];
    return code;
}

bool looks_like_code(std::string_view text) {
    if (text.size() != code_length) return false;
    for (const char c : text)
        if (base32_alphabet.find(c) == std::string_view::npos) return false;
    return true;
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

}  // namespace congress::util
