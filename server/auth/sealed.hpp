// Encryption at rest for personal data (visa letters' passport numbers, docs/letters.md):
// AES-256-GCM from OpenSSL EVP. A sealed value is
//     12-byte random nonce || ciphertext || 16-byte tag
// as raw bytes (stored as a BLOB). The associated data binds a value to its row (e.g. the
// registration id), so a sealed value copied to another row does not open.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace congress::auth {

struct SealKey {
    std::array<unsigned char, 32> bytes{};
};

inline constexpr std::size_t kSealNonceBytes = 12;
inline constexpr std::size_t kSealTagBytes = 16;

// A key from 64 hex characters (surrounding whitespace, e.g. a trailing newline, is
// ignored). nullopt for anything else.
std::optional<SealKey> seal_key_from_hex(std::string_view text);
// Reads a key file (64 hex characters). Throws std::runtime_error with a message naming
// the file and what is wrong (missing, unreadable, not 64 hex characters).
SealKey load_seal_key_file(const std::string& path);

// Throws std::runtime_error if OpenSSL fails (RNG or cipher).
std::string seal(const SealKey& key, std::string_view plaintext, std::string_view associated_data);
// nullopt if the value is too short, was altered, or the key or associated data differ.
std::optional<std::string> open_sealed(const SealKey& key, std::string_view sealed,
                                       std::string_view associated_data);

}  // namespace congress::auth
