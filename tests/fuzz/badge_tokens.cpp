// Badge tokens (auth/badge_token) as a desk scans them, and the encodings around them: the
// base32 of the token and the base64url in which the desks' attendee list carries the
// event's public key (auth/base64). With a fixed Ed25519 key, so that the corpus's genuine
// tokens stay genuine from run to run.
//
// Input: the first byte picks the mode (value modulo 3), the rest is text.
//   0  a scanned text: parse_badge_token, then verify. A token that verifies must be exactly
//      the key's own token for its claim (upper case, trimmed): nothing else may pass for a
//      badge. The fingerprint (what the offline list carries) must not depend on letter case.
//   1  a genuine token (claim from the first bytes) with the rest XORed over it: it must
//      not verify unless it still reads as the same token.
//   2  base32 and base64 (both alphabets): whatever decodes must encode back to the same
//      text (the decoders are strict: one text per value), and encoding then decoding
//      gives the bytes back.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "auth/badge_token.hpp"
#include "auth/base64.hpp"

using namespace congress;

namespace {

[[noreturn]] void fail(const char* what, std::string_view input) {
    std::fprintf(stderr, "\n==== fuzz invariant broken: %s\ninput: \"%.*s\"\n", what, static_cast<int>(input.size()),
                 input.data());
    std::abort();
}

std::shared_ptr<const auth::BadgeKey> fixed_key() {
    unsigned char seed[32];
    for (int i = 0; i < 32; ++i) seed[i] = static_cast<unsigned char>(i * 7 + 1);
    EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, sizeof seed);
    unsigned char public_key[32];
    std::size_t length = sizeof public_key;
    if (!key || EVP_PKEY_get_raw_public_key(key, public_key, &length) != 1) std::abort();
    EVP_PKEY_free(key);
    return auth::BadgeKey::from_raw(std::string_view(reinterpret_cast<char*>(public_key), 32),
                                    std::string_view(reinterpret_cast<char*>(seed), 32));
}

const auth::BadgeKey& key() {
    static const auto instance = fixed_key();
    return *instance;
}

std::string canonical(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' || text.front() == '\n'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
    std::string out(text);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

void check_scan(std::string_view text) {
    const auto scanned = auth::parse_badge_token(text);
    const auto fingerprint = auth::badge_fingerprint(text);
    if (fingerprint.size() != 16 || fingerprint.find_first_not_of("0123456789abcdef") != std::string::npos)
        fail("a fingerprint is not 16 lower-case hex digits", text);
    std::string lower(text);
    for (auto& c : lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (auth::badge_fingerprint(lower) != fingerprint) fail("a fingerprint depends on the letter case", text);
    if (!scanned) return;
    if (scanned->claim.event_id <= 0 || scanned->claim.registration_id <= 0) fail("a parsed token has a zero id", text);
    if (scanned->signature.size() != 64) fail("a parsed token's signature is not 64 bytes", text);
    if (!key().verify(*scanned)) return;
    const auto genuine = key().sign(scanned->claim);
    if (canonical(text) != genuine) fail("a text other than the key's own token verifies", text);
}

void check_mutated(std::string_view rest) {
    if (rest.size() < 2) return;
    const auth::BadgeClaim claim{1 + static_cast<unsigned char>(rest[0]), 1 + static_cast<unsigned char>(rest[1])};
    const auto genuine = key().sign(claim);
    std::string token = genuine;
    for (std::size_t i = 2; i < rest.size(); ++i) token[(i - 2) % token.size()] ^= rest[i];
    const auto scanned = auth::parse_badge_token(token);
    if (!scanned || !key().verify(*scanned)) return;
    if (scanned->claim != claim || canonical(token) != genuine) fail("a changed token still verifies", token);
}

void check_encodings(std::string_view text) {
    if (const auto bytes = auth::base32_decode(text)) {
        if (auth::base32_encode(*bytes) != text) fail("base32: two texts decode to the same bytes", text);
    }
    if (auth::base32_decode(auth::base32_encode(text)) != std::string(text)) fail("base32 does not round-trip", text);
    for (const auto alphabet : {auth::Base64Alphabet::standard, auth::Base64Alphabet::url}) {
        if (const auto bytes = auth::base64_decode(text, alphabet)) {
            if (auth::base64_encode(*bytes, alphabet) != text) fail("base64: two texts decode to the same bytes", text);
        }
        if (auth::base64_decode(auth::base64_encode(text, alphabet), alphabet) != std::string(text))
            fail("base64 does not round-trip", text);
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    key();
    // The seed corpus's genuine token (claim 27, 1), for tests/fuzz/corpus/badge_tokens.
    if (std::getenv("CONGRESS_FUZZ_PRINT_TOKEN")) std::printf("%s\n", key().sign({27, 1}).c_str());
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return -1;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 3) {
        case 0: check_scan(rest); break;
        case 1: check_mutated(rest); break;
        default: check_encodings(rest); break;
    }
    return 0;
}
