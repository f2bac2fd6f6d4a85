#include <gtest/gtest.h>

#include <set>

#include "auth/base64.hpp"
#include "auth/password.hpp"
#include "auth/tokens.hpp"

using namespace congress::auth;

namespace {

// Small enough for many tests to run fast; the default parameters have their own test.
constexpr ScryptParams fast{10, 8, 1, 16, 32};

// Replaces the character at `index` with another one of the base64 alphabet.
std::string flip(std::string text, std::size_t index) {
    text[index] = text[index] == 'A' ? 'B' : 'A';
    return text;
}

}  // namespace

TEST(PasswordTest, AHashVerifiesTheSamePasswordAndNoOther) {
    const auto hash = hash_password("correct horse battery staple", fast);
    EXPECT_TRUE(verify_password("correct horse battery staple", hash));
    EXPECT_FALSE(verify_password("correct horse battery stapl", hash));
    EXPECT_FALSE(verify_password("Correct horse battery staple", hash));
    EXPECT_FALSE(verify_password("", hash));
}

TEST(PasswordTest, TheStoredStringNamesItsParametersAndHoldsNoPassword) {
    const auto hash = hash_password("correct horse battery staple", fast);
    EXPECT_EQ(hash.rfind("scrypt$ln=10,r=8,p=1$", 0), 0u) << hash;
    EXPECT_EQ(hash.find("correct"), std::string::npos);
    const auto params = parse_hash_params(hash);
    ASSERT_TRUE(params);
    EXPECT_EQ(*params, fast);
}

TEST(PasswordTest, TheSamePasswordGetsADifferentSaltEachTime) {
    std::set<std::string> hashes, salts;
    for (int i = 0; i < 5; ++i) {
        const auto hash = hash_password("correct horse battery staple", fast);
        hashes.insert(hash);
        salts.insert(hash.substr(0, hash.rfind('$')));
        EXPECT_TRUE(verify_password("correct horse battery staple", hash));
    }
    EXPECT_EQ(hashes.size(), 5u);
    EXPECT_EQ(salts.size(), 5u);
}

TEST(PasswordTest, ATamperedHashStringNeverVerifies) {
    const std::string password = "correct horse battery staple";
    const auto hash = hash_password(password, fast);
    const auto salt_at = hash.find('$', hash.find('$') + 1) + 1;
    const auto key_at = hash.rfind('$') + 1;
    const std::vector<std::string> tampered = {
        flip(hash, key_at),                                                  // the key
        flip(hash, hash.size() - 2),                                         // the key, later
        flip(hash, salt_at),                                                 // the salt
        "scrypt$ln=11,r=8,p=1$" + hash.substr(salt_at),                      // another N
        "scrypt$ln=10,r=9,p=1$" + hash.substr(salt_at),                      // another r
        "scrypt$ln=10,r=8,p=2$" + hash.substr(salt_at),                      // another p
        "bcrypt" + hash.substr(6),                                           // another scheme
        hash + "AAAA",                                                       // a longer key
        hash + "$extra",                                                     // a fifth part
        "scrypt$ln=010,r=8,p=1$" + hash.substr(salt_at),                     // not canonical
        "scrypt$r=8,ln=10,p=1$" + hash.substr(salt_at),                      // another order
        "scrypt$ln=10,r=8,p=1$" + hash.substr(salt_at, key_at - salt_at) + "!!!!",  // not base64
        "", "scrypt", "scrypt$$$", password,
    };
    for (const auto& t : tampered) EXPECT_FALSE(verify_password(password, t)) << t;
}

TEST(PasswordTest, AStoredHashAskingForAbsurdMemoryIsRefusedWithoutComputingIt) {
    const auto hash = hash_password("correct horse battery staple", fast);
    const auto tail = hash.substr(hash.find('$', hash.find('$') + 1));
    // N = 2^30 would take 128 GiB: refused by the limits, not attempted.
    EXPECT_FALSE(verify_password("correct horse battery staple", "scrypt$ln=30,r=8,p=1" + tail));
    EXPECT_FALSE(verify_password("correct horse battery staple", "scrypt$ln=17,r=64,p=1" + tail));
    EXPECT_FALSE(parse_hash_params("scrypt$ln=30,r=8,p=1" + tail));
}

TEST(PasswordTest, NewHashesUseTheDefaultParametersAtOrAboveOwaspGuidance) {
    // OWASP (Password Storage Cheat Sheet): scrypt with N=2^17, r=8, p=1 at least.
    EXPECT_GE(default_scrypt_params.log2_n, 17);
    EXPECT_GE(default_scrypt_params.r, 8);
    EXPECT_GE(default_scrypt_params.p, 1);
    EXPECT_GE(default_scrypt_params.salt_bytes, 16u);
    EXPECT_GE(default_scrypt_params.key_bytes, 32u);

    const auto hash = hash_password("correct horse battery staple");  // no parameters: the defaults
    EXPECT_EQ(hash.rfind("scrypt$ln=17,r=8,p=1$", 0), 0u) << hash;
    const auto params = parse_hash_params(hash);
    ASSERT_TRUE(params);
    EXPECT_EQ(*params, default_scrypt_params);
    EXPECT_TRUE(verify_password("correct horse battery staple", hash));
    EXPECT_FALSE(verify_password("correct horse battery stapler", hash));
    EXPECT_FALSE(needs_rehash(hash));
    // About 128 MiB each: the reason PasswordHasher caps how many run at once.
    EXPECT_GE(default_scrypt_params.memory_bytes(), 128u * 1024 * 1024);
}

TEST(PasswordTest, AWeakerOrUnreadableHashNeedsRehashing) {
    const auto weak = hash_password("correct horse battery staple", fast);
    EXPECT_TRUE(needs_rehash(weak));  // against the defaults
    EXPECT_FALSE(needs_rehash(weak, fast));
    EXPECT_TRUE(needs_rehash(weak, ScryptParams{10, 8, 2, 16, 32}));
    EXPECT_TRUE(needs_rehash("not a hash", fast));
    // Stronger than wanted is fine: parameters only go up.
    EXPECT_FALSE(needs_rehash(hash_password("correct horse battery staple", ScryptParams{11, 8, 1, 16, 32}), fast));
}

TEST(PasswordTest, TheDummyVerificationNeverSucceeds) {
    EXPECT_FALSE(dummy_verify("correct horse battery staple", fast));
    EXPECT_FALSE(dummy_verify("", fast));
}

TEST(PasswordTest, NewPasswordsNeedTwelveCharactersCountedAsCharactersNotBytes) {
    EXPECT_TRUE(password_problem("short"));
    EXPECT_TRUE(password_problem("elevenchars"));  // 11
    EXPECT_FALSE(password_problem("twelve chars"));
    // 11 accented letters are 22 bytes but 11 characters: still too short.
    EXPECT_TRUE(password_problem("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"));
    EXPECT_FALSE(password_problem("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"));
    EXPECT_TRUE(password_problem(std::string("twelve chars\0x", 14)));
    EXPECT_TRUE(password_problem("twelve chars\nmore"));
    EXPECT_TRUE(password_problem(std::string(max_password_bytes + 1, 'x')));
    EXPECT_FALSE(password_problem(std::string(max_password_bytes, 'x')));
}

TEST(Base64Test, RoundTripsEveryLengthAndRefusesSloppyInput) {
    std::string bytes;
    for (int i = 0; i < 40; ++i) {
        for (auto alphabet : {Base64Alphabet::standard, Base64Alphabet::url}) {
            const auto text = base64_encode(bytes, alphabet);
            EXPECT_EQ(text.find('='), std::string::npos);
            EXPECT_EQ(base64_decode(text, alphabet), bytes);
        }
        bytes += static_cast<char>(i * 37 + 200);
    }
    EXPECT_EQ(base64_encode("\xfb\xff", Base64Alphabet::standard), "+/8");
    EXPECT_EQ(base64_encode("\xfb\xff", Base64Alphabet::url), "-_8");
    EXPECT_FALSE(base64_decode("+/8", Base64Alphabet::url));
    EXPECT_FALSE(base64_decode("QQ==", Base64Alphabet::standard));  // padding
    EXPECT_FALSE(base64_decode("QR", Base64Alphabet::standard));    // stray bits
    EXPECT_FALSE(base64_decode("Q", Base64Alphabet::standard));
    EXPECT_FALSE(base64_decode("QU E", Base64Alphabet::standard));
}

TEST(TokenTest, TokensAre256RandomBitsInACookieSafeForm) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const auto token = random_token();
        EXPECT_EQ(token.size(), token_chars);
        EXPECT_TRUE(looks_like_token(token)) << token;
        EXPECT_EQ(base64_decode(token, Base64Alphabet::url)->size(), token_bytes);
        seen.insert(token);
    }
    EXPECT_EQ(seen.size(), 100u);
    EXPECT_FALSE(looks_like_token(""));
    EXPECT_FALSE(looks_like_token(std::string(43, '=')));
    EXPECT_FALSE(looks_like_token(std::string(44, 'a')));
    EXPECT_EQ(token_digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenTest, TokensCompareEqualOnlyWhenIdentical) {
    const auto a = random_token();
    EXPECT_TRUE(tokens_equal(a, std::string(a)));
    EXPECT_FALSE(tokens_equal(a, random_token()));
    EXPECT_FALSE(tokens_equal(a, a.substr(1)));
    EXPECT_FALSE(tokens_equal(a, ""));
    EXPECT_TRUE(tokens_equal("", ""));
}
