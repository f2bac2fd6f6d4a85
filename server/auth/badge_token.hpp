// Badge tokens (docs/checkin.md): "CB1" + base32 of event id, registration id and an
// Ed25519 signature under the event's key. Desks hold only the public key, so they can
// tell a real badge from a forged one offline, and a stolen desk cannot make badges.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace congress::auth {

inline constexpr std::string_view badge_prefix = "CB1";
inline constexpr std::size_t badge_token_chars = 3 + 116;  // prefix + base32 of 72 bytes

struct BadgeClaim {
    std::int64_t event_id = 0;         // 1 .. 2^32-1
    std::int64_t registration_id = 0;  // 1 .. 2^32-1
    bool operator==(const BadgeClaim&) const = default;
};

// A token read off a badge: what it claims, and the signature to check.
struct ScannedBadge {
    BadgeClaim claim;
    std::string signature;  // 64 bytes
};

// Reads a scanned token: any letter case, surrounding spaces ignored. nullopt when the text
// is not a badge token at all (wrong prefix, length or alphabet, zero ids).
std::optional<ScannedBadge> parse_badge_token(std::string_view text);

// The 25 bytes an event's key signs for a claim.
std::string badge_message(const BadgeClaim& claim);

// First 16 hex digits of the SHA-256 of the (upper-case) token: what a desk's offline list
// carries instead of the token.
std::string badge_fingerprint(std::string_view token);

// RFC 4648 base32 (upper case, no padding).
std::string base32_encode(std::string_view bytes);
std::optional<std::string> base32_decode(std::string_view text);

// An event's Ed25519 key pair. Signing and verifying reuse the parsed OpenSSL keys, so
// keep one per event (BadgeKey is immutable after construction; share it freely).
class BadgeKey {
public:
    // A new random key pair. Throws std::runtime_error if OpenSSL fails.
    static std::shared_ptr<const BadgeKey> generate();
    // From stored raw keys (32 bytes each; private may be empty: verify only). Throws
    // std::invalid_argument for keys of the wrong size or shape.
    static std::shared_ptr<const BadgeKey> from_raw(std::string_view public_key, std::string_view private_key = {});
    ~BadgeKey();
    BadgeKey(const BadgeKey&) = delete;
    BadgeKey& operator=(const BadgeKey&) = delete;

    const std::string& public_key() const { return public_raw_; }
    // Empty for a verify-only key.
    std::string private_key() const;
    // First 16 hex digits of the SHA-256 of the public key.
    std::string key_id() const;

    // The token for a claim. Throws std::logic_error on a verify-only key.
    std::string sign(const BadgeClaim& claim) const;
    bool verify(const ScannedBadge& badge) const;

private:
    struct Keys;
    BadgeKey() = default;
    std::string public_raw_;
    std::unique_ptr<Keys> keys_;
};

}  // namespace congress::auth
