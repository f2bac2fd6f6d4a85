// Staff passwords: scrypt (memory-hard) through OpenSSL 3's EVP_KDF, with a random 16-byte
// salt per hash, stored as a self-describing string
//
//     scrypt$ln=17,r=8,p=1$<base64 salt>$<base64 key>
//
// (standard base64 alphabet, no padding), so that the parameters can be raised later and
// old hashes recognised (needs_rehash) and upgraded at the next successful login.
//
// Each hash with the default parameters takes about 128 MiB and a few hundred milliseconds
// of one core: never run one on a thread that serves sockets. The HTTP layer goes through
// PasswordHasher (auth/password_hasher.hpp), which caps how many run at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace congress::auth {

struct ScryptParams {
    int log2_n = 17;  // N = 2^17: OWASP's minimum for scrypt with r=8, p=1
    int r = 8;
    int p = 1;
    std::size_t salt_bytes = 16;
    std::size_t key_bytes = 32;

    std::uint64_t n() const { return std::uint64_t{1} << log2_n; }
    // What OpenSSL allocates for one hash: 128·r·(N + 2) + 128·r·p bytes.
    std::uint64_t memory_bytes() const;
    bool operator==(const ScryptParams&) const = default;
};

// The parameters new hashes get. Tests may pass smaller ones to the functions below.
inline constexpr ScryptParams default_scrypt_params{};

// Hashing failed inside OpenSSL (out of memory, a provider without scrypt). Not a wrong
// password: the caller should answer 500, not 401.
class PasswordError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A new hash of `password` with a fresh random salt. Throws PasswordError.
std::string hash_password(std::string_view password, const ScryptParams& params = default_scrypt_params);

// True if `password` matches `encoded`. The derived key is compared in constant time
// (CRYPTO_memcmp). A malformed or tampered string, or one whose parameters exceed the
// limits below, is simply false (no exception), so a corrupt row cannot be a way in.
// Throws PasswordError only if OpenSSL itself fails.
bool verify_password(std::string_view password, std::string_view encoded);

// Costs what verify_password costs for a hash made with `params`, and returns false. Call it
// when the email is unknown or the account disabled, so that the answer takes as long as for
// a real account and its timing does not tell which emails exist.
bool dummy_verify(std::string_view password, const ScryptParams& params = default_scrypt_params);

// True if `encoded` is weaker than `wanted` (smaller N, r, p, salt or key) or unreadable:
// after a successful login, hash the password again and store the new string.
bool needs_rehash(std::string_view encoded, const ScryptParams& wanted = default_scrypt_params);

// The parameters a stored hash was made with, or nullopt if it is not one of ours.
std::optional<ScryptParams> parse_hash_params(std::string_view encoded);

// Upper bounds accepted from stored hashes: a tampered row cannot make the server allocate
// more than about 1 GiB for one verification.
inline constexpr int max_log2_n = 20;
inline constexpr int max_r = 32;
inline constexpr int max_p = 16;
inline constexpr std::uint64_t max_memory_bytes = std::uint64_t{1} << 30;

// Rules for a new password: at least 12 characters (Unicode code points), at most 1024
// bytes, no NUL or line breaks. nullopt if acceptable, otherwise why not, for a person.
inline constexpr std::size_t min_password_chars = 12;
inline constexpr std::size_t max_password_bytes = 1024;
std::optional<std::string> password_problem(std::string_view password);

}  // namespace congress::auth
