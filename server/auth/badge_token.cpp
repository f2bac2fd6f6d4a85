#include "auth/badge_token.hpp"

#include <array>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util/random.hpp"

namespace congress::auth {

namespace {

constexpr std::string_view base32_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view signed_context = "congress-badge-v1";
constexpr std::size_t claim_bytes = 8;
constexpr std::size_t signature_bytes = 64;
constexpr std::int64_t max_id = 0xFFFFFFFFLL;

void put_u32(std::string& out, std::int64_t value) {
    const auto v = static_cast<std::uint32_t>(value);
    out += static_cast<char>((v >> 24) & 0xff);
    out += static_cast<char>((v >> 16) & 0xff);
    out += static_cast<char>((v >> 8) & 0xff);
    out += static_cast<char>(v & 0xff);
}

std::int64_t get_u32(std::string_view in) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
    return static_cast<std::int64_t>(v);
}

std::string claim_bytes_of(const BadgeClaim& claim) {
    if (claim.event_id <= 0 || claim.event_id > max_id || claim.registration_id <= 0 || claim.registration_id > max_id)
        throw std::invalid_argument("badge ids must be 1 .. 2^32-1");
    std::string out;
    out.reserve(claim_bytes);
    put_u32(out, claim.event_id);
    put_u32(out, claim.registration_id);
    return out;
}

struct PkeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

std::string raw_key(EVP_PKEY* key, bool private_part) {
    std::size_t length = 32;
    std::string out(length, '\0');
    auto* data = reinterpret_cast<unsigned char*>(out.data());
    const int ok = private_part ? EVP_PKEY_get_raw_private_key(key, data, &length)
                                : EVP_PKEY_get_raw_public_key(key, data, &length);
    if (ok != 1 || length != 32) throw std::runtime_error("could not read an Ed25519 key");
    return out;
}

}  // namespace

struct BadgeKey::Keys {
    Pkey public_key;
    Pkey private_key;  // null for a verify-only key
};

BadgeKey::~BadgeKey() = default;

std::shared_ptr<const BadgeKey> BadgeKey::generate() {
    EVP_PKEY* made = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (!made) throw std::runtime_error("could not make an Ed25519 key pair");
    Pkey pair(made);
    const auto public_raw = raw_key(pair.get(), false);
    auto private_raw = raw_key(pair.get(), true);
    auto key = from_raw(public_raw, private_raw);
    OPENSSL_cleanse(private_raw.data(), private_raw.size());
    return key;
}

std::shared_ptr<const BadgeKey> BadgeKey::from_raw(std::string_view public_key, std::string_view private_key) {
    if (public_key.size() != 32) throw std::invalid_argument("an Ed25519 public key has 32 bytes");
    if (!private_key.empty() && private_key.size() != 32)
        throw std::invalid_argument("an Ed25519 private key has 32 bytes");
    std::shared_ptr<BadgeKey> key(new BadgeKey());
    key->keys_ = std::make_unique<Keys>();
    key->public_raw_ = std::string(public_key);
    key->keys_->public_key.reset(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(public_key.data()), public_key.size()));
    if (!key->keys_->public_key) throw std::invalid_argument("not an Ed25519 public key");
    if (!private_key.empty()) {
        key->keys_->private_key.reset(EVP_PKEY_new_raw_private_key(
            EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(private_key.data()), private_key.size()));
        if (!key->keys_->private_key) throw std::invalid_argument("not an Ed25519 private key");
        if (raw_key(key->keys_->private_key.get(), false) != key->public_raw_)
            throw std::invalid_argument("the private key does not belong to the public key");
    }
    return key;
}

std::string BadgeKey::private_key() const {
    if (!keys_->private_key) return {};
    return raw_key(keys_->private_key.get(), true);
}

std::string BadgeKey::key_id() const { return util::sha256_hex(public_raw_).substr(0, 16); }

std::string BadgeKey::sign(const BadgeClaim& claim) const {
    if (!keys_->private_key) throw std::logic_error("this badge key can only verify");
    const auto claim_raw = claim_bytes_of(claim);
    const auto message = badge_message(claim);
    MdCtx ctx(EVP_MD_CTX_new());
    std::array<unsigned char, signature_bytes> signature{};
    std::size_t length = signature.size();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, keys_->private_key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), signature.data(), &length, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1 ||
        length != signature_bytes)
        throw std::runtime_error("Ed25519 signing failed");
    std::string body = claim_raw;
    body.append(reinterpret_cast<const char*>(signature.data()), signature.size());
    return std::string(badge_prefix) + base32_encode(body);
}

bool BadgeKey::verify(const ScannedBadge& badge) const {
    if (badge.signature.size() != signature_bytes) return false;
    std::string message;
    try {
        message = badge_message(badge.claim);
    } catch (const std::invalid_argument&) {
        return false;
    }
    MdCtx ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, keys_->public_key.get()) != 1) return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(badge.signature.data()),
                            badge.signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                            message.size()) == 1;
}

std::string badge_message(const BadgeClaim& claim) {
    std::string message(signed_context);
    message += claim_bytes_of(claim);
    return message;
}

std::optional<ScannedBadge> parse_badge_token(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' || text.front() == '\n'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
    if (text.size() != badge_token_chars) return std::nullopt;
    std::string upper(text);
    for (auto& c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (std::string_view(upper).substr(0, badge_prefix.size()) != badge_prefix) return std::nullopt;
    const auto body = base32_decode(std::string_view(upper).substr(badge_prefix.size()));
    if (!body || body->size() != claim_bytes + signature_bytes) return std::nullopt;
    ScannedBadge badge;
    badge.claim.event_id = get_u32(std::string_view(*body).substr(0, 4));
    badge.claim.registration_id = get_u32(std::string_view(*body).substr(4, 4));
    if (badge.claim.event_id == 0 || badge.claim.registration_id == 0) return std::nullopt;
    badge.signature = body->substr(claim_bytes);
    return badge;
}

std::string badge_fingerprint(std::string_view token) {
    std::string upper(token);
    for (auto& c : upper)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return util::sha256_hex(upper).substr(0, 16);
}

std::string base32_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 8 + 4) / 5);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char ch : bytes) {
        buffer = (buffer << 8) | static_cast<unsigned char>(ch);
        bits += 8;
        while (bits >= 5) {
            out += base32_alphabet[(buffer >> (bits - 5)) & 0x1f];
            bits -= 5;
        }
    }
    if (bits > 0) out += base32_alphabet[(buffer << (5 - bits)) & 0x1f];
    return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() * 5 / 8);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char ch : text) {
        int value = -1;
        if (ch >= 'A' && ch <= 'Z') value = ch - 'A';
        else if (ch >= '2' && ch <= '7') value = ch - '2' + 26;
        if (value < 0) return std::nullopt;
        buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
        bits += 5;
        if (bits >= 8) {
            out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
            bits -= 8;
        }
    }
    // Leftover bits must be zero padding, and fewer than 5 (strict: one encoding per value).
    if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace congress::auth
