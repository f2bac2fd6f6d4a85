#include "util/random.hpp"

#include <array>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace congress::util {

namespace {
constexpr std::string_view base32_alphabet = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::size_t code_length = 26;  // 26 * 5 = 130 bits
}  // namespace

std::string random_code() {
    // One RAND_bytes call costs about as much as the rest of a registration's bookkeeping,
    // so each thread draws a block at a time and hands it out once, wiping what it used.
    // (The server never forks, so no two processes can share a block.)
    struct Pool {
        std::array<unsigned char, code_length * 40> bytes{};
        std::size_t next = code_length * 40;  // empty
        ~Pool() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
    };
    thread_local Pool pool;
    if (pool.next + code_length > pool.bytes.size()) {
        if (RAND_bytes(pool.bytes.data(), static_cast<int>(pool.bytes.size())) != 1)
            throw std::runtime_error("the random number generator failed");
        pool.next = 0;
    }
    unsigned char* bytes = pool.bytes.data() + pool.next;
    pool.next += code_length;
    std::string code(code_length, 'a');
    for (std::size_t i = 0; i < code_length; ++i) code[i] = base32_alphabet[bytes[i] & 0x1f];
    OPENSSL_cleanse(bytes, code_length);
    return code;
}

std::string sequenced_code(std::uint64_t sequence) {
    // The same 32 characters in byte order ('2' < 'a'), so that codes compare in SQLite's
    // BINARY collation as their sequences do.
    constexpr std::string_view sorted_alphabet = "234567abcdefghijklmnopqrstuvwxyz";
    constexpr std::size_t prefix_length = 6;  // 30 bits of sequence
    std::string code = random_code();
    for (std::size_t i = 0; i < prefix_length; ++i)
        code[prefix_length - 1 - i] = sorted_alphabet[(sequence >> (5 * i)) & 0x1f];
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
