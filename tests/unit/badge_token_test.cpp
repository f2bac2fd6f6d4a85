#include <gtest/gtest.h>

#include "auth/badge_token.hpp"

using namespace congress::auth;

namespace {

TEST(BadgeToken, SignedTokenHasTheDocumentedShapeAndVerifies) {
    const auto key = BadgeKey::generate();
    const auto token = key->sign({3, 1207});
    EXPECT_EQ(token.size(), badge_token_chars);
    EXPECT_EQ(token.substr(0, 3), "CB1");
    for (const char c : token) EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) << token;
    const auto scanned = parse_badge_token(token);
    ASSERT_TRUE(scanned);
    EXPECT_EQ(scanned->claim, (BadgeClaim{3, 1207}));
    EXPECT_TRUE(key->verify(*scanned));
    // Ed25519 is deterministic: a badge printed twice is the same badge.
    EXPECT_EQ(key->sign({3, 1207}), token);
}

TEST(BadgeToken, ScannerQuirksAreForgiven) {
    const auto key = BadgeKey::generate();
    const auto token = key->sign({1, 2});
    std::string lower = token;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto scanned = parse_badge_token("  " + lower + "\r\n");
    ASSERT_TRUE(scanned);
    EXPECT_TRUE(key->verify(*scanned));
    EXPECT_EQ(badge_fingerprint(lower), badge_fingerprint(token));
    EXPECT_EQ(badge_fingerprint(token).size(), 16u);
}

TEST(BadgeToken, EveryTamperedCharacterIsRefused) {
    const auto key = BadgeKey::generate();
    const auto token = key->sign({7, 42});
    int parsed_but_refused = 0;
    for (std::size_t i = 3; i < token.size(); ++i) {
        std::string tampered = token;
        tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
        const auto scanned = parse_badge_token(tampered);
        if (!scanned) continue;  // e.g. the last character's padding bits, or an id of 0
        EXPECT_FALSE(key->verify(*scanned)) << "position " << i;
        ++parsed_but_refused;
    }
    EXPECT_GT(parsed_but_refused, 100);
}

TEST(BadgeToken, AnotherEventsKeyDoesNotVerify) {
    const auto mine = BadgeKey::generate();
    const auto theirs = BadgeKey::generate();
    const auto scanned = parse_badge_token(theirs->sign({1, 9}));
    ASSERT_TRUE(scanned);
    EXPECT_FALSE(mine->verify(*scanned));
}

TEST(BadgeToken, APublicKeyAloneVerifiesButCannotSign) {
    const auto pair = BadgeKey::generate();
    const auto desk = BadgeKey::from_raw(pair->public_key());
    EXPECT_TRUE(desk->verify(*parse_badge_token(pair->sign({5, 6}))));
    EXPECT_THROW(desk->sign({5, 6}), std::logic_error);
    EXPECT_TRUE(desk->private_key().empty());
    EXPECT_EQ(desk->key_id(), pair->key_id());
}

TEST(BadgeToken, StoredKeysRoundTrip) {
    const auto pair = BadgeKey::generate();
    const auto again = BadgeKey::from_raw(pair->public_key(), pair->private_key());
    EXPECT_EQ(again->sign({2, 3}), pair->sign({2, 3}));
    const auto other = BadgeKey::generate();
    EXPECT_THROW(BadgeKey::from_raw(pair->public_key(), other->private_key()), std::invalid_argument);
    EXPECT_THROW(BadgeKey::from_raw("short"), std::invalid_argument);
}

TEST(BadgeToken, GarbageIsNotABadge) {
    EXPECT_FALSE(parse_badge_token(""));
    EXPECT_FALSE(parse_badge_token("hello world"));
    EXPECT_FALSE(parse_badge_token(std::string(badge_token_chars, 'A')));            // no prefix
    EXPECT_FALSE(parse_badge_token("CB1" + std::string(badge_token_chars - 3, '1')));  // not base32
    EXPECT_FALSE(parse_badge_token("CB1" + std::string(badge_token_chars - 3, 'A')));  // ids of 0
    const auto key = BadgeKey::generate();
    EXPECT_FALSE(parse_badge_token(key->sign({1, 1}) + "A"));
    EXPECT_THROW(key->sign({0, 1}), std::invalid_argument);
}

TEST(BadgeToken, Base32IsRfc4648AndStrict) {
    EXPECT_EQ(base32_encode("foobar"), "MZXW6YTBOI");
    EXPECT_EQ(base32_decode("MZXW6YTBOI").value(), "foobar");
    EXPECT_FALSE(base32_decode("MZXW6YTBOJ"));  // stray bits in the last character
    EXPECT_FALSE(base32_decode("mzxw6ytboi"));  // the parser upper-cases first; the codec does not
}

}  // namespace
