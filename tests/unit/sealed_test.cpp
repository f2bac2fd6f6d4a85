#include <gtest/gtest.h>

#include <fstream>

#include "auth/sealed.hpp"
#include "temp_dir.hpp"

using namespace congress::auth;

namespace {

SealKey key_of(char fill) {
    SealKey key;
    key.bytes.fill(static_cast<unsigned char>(fill));
    return key;
}

TEST(Sealed, RoundTripAndShape) {
    const auto key = key_of('k');
    const auto sealed = seal(key, "X1234567", "registration:7");
    EXPECT_EQ(sealed.size(), kSealNonceBytes + 8 + kSealTagBytes);
    EXPECT_EQ(sealed.find("X1234567"), std::string::npos);
    const auto opened = open_sealed(key, sealed, "registration:7");
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, "X1234567");
    const auto empty = seal(key, "", "ad");
    ASSERT_TRUE(open_sealed(key, empty, "ad"));
    EXPECT_EQ(*open_sealed(key, empty, "ad"), "");
}

TEST(Sealed, NoncesDiffer) {
    const auto key = key_of('k');
    const auto a = seal(key, "X1234567", "r");
    const auto b = seal(key, "X1234567", "r");
    EXPECT_NE(a, b);
    EXPECT_NE(a.substr(0, kSealNonceBytes), b.substr(0, kSealNonceBytes));
}

TEST(Sealed, EveryAlteredByteIsRefused) {
    const auto key = key_of('k');
    const auto sealed = seal(key, "P98765432", "registration:3");
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        std::string tampered = sealed;
        tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
        EXPECT_FALSE(open_sealed(key, tampered, "registration:3")) << "byte " << i;
    }
    EXPECT_FALSE(open_sealed(key, sealed.substr(0, sealed.size() - 1), "registration:3"));
    EXPECT_FALSE(open_sealed(key, sealed + "x", "registration:3"));
    EXPECT_FALSE(open_sealed(key, "short", "registration:3"));
}

TEST(Sealed, WrongKeyOrAssociatedDataIsRefused) {
    const auto sealed = seal(key_of('k'), "P98765432", "registration:3");
    EXPECT_FALSE(open_sealed(key_of('j'), sealed, "registration:3"));
    EXPECT_FALSE(open_sealed(key_of('k'), sealed, "registration:4"));
    EXPECT_FALSE(open_sealed(key_of('k'), sealed, ""));
}

TEST(Sealed, KeyFromHex) {
    const std::string hex(64, 'a');
    const auto key = seal_key_from_hex(hex + "\n");
    ASSERT_TRUE(key);
    EXPECT_EQ(key->bytes[0], 0xaa);
    EXPECT_EQ(key->bytes[31], 0xaa);
    EXPECT_FALSE(seal_key_from_hex(std::string(63, 'a')));
    EXPECT_FALSE(seal_key_from_hex(std::string(66, 'a')));
    EXPECT_FALSE(seal_key_from_hex(std::string(63, 'a') + "g"));
    EXPECT_FALSE(seal_key_from_hex(""));
}

TEST(Sealed, KeyFile) {
    congress::testing::TempDir dir;
    const auto path = dir.path() / "letters.key";
    {
        std::ofstream out(path);
        out << std::string(64, '0') << "\n";
    }
    EXPECT_EQ(load_seal_key_file(path.string()).bytes[5], 0);
    EXPECT_THROW(load_seal_key_file((dir.path() / "missing.key").string()), std::runtime_error);
    {
        std::ofstream out(path);
        out << "not a key\n";
    }
    EXPECT_THROW(load_seal_key_file(path.string()), std::runtime_error);
}

}  // namespace
