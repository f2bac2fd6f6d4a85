// Registration codes: unguessable, and in the order they were made.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "util/random.hpp"

using congress::util::looks_like_code;
using congress::util::random_code;
using congress::util::sequenced_code;

TEST(RandomCode, Has26Base32CharactersAndRepeatsNothing) {
    std::set<std::string> seen;
    for (int i = 0; i < 2000; ++i) {
        const auto code = random_code();
        EXPECT_TRUE(looks_like_code(code)) << code;
        EXPECT_TRUE(seen.insert(code).second) << code;
    }
}

TEST(SequencedCode, SpellsTheSequenceInItsFirstSixCharacters) {
    // The code's own 32 characters in byte order: '2' is 0, 'z' is 31.
    EXPECT_EQ(sequenced_code(0).substr(0, 6), "222222");
    EXPECT_EQ(sequenced_code(1).substr(0, 6), "222223");
    EXPECT_EQ(sequenced_code(6).substr(0, 6), "22222a");
    EXPECT_EQ(sequenced_code(31).substr(0, 6), "22222z");
    EXPECT_EQ(sequenced_code(32).substr(0, 6), "222232");
    EXPECT_EQ(sequenced_code((1u << 30) - 1).substr(0, 6), "zzzzzz");
    // Past 2^30 registrations the prefix wraps; the random part still keeps codes apart.
    EXPECT_EQ(sequenced_code((1u << 30) + 1).substr(0, 6), "222223");
}

TEST(SequencedCode, SortsInTheOrderItWasMadeAndIsAValidCode) {
    std::string previous;
    for (std::uint64_t seq = 1; seq < 70000; seq += 7) {
        const auto code = sequenced_code(seq);
        EXPECT_TRUE(looks_like_code(code)) << code;
        EXPECT_LT(previous, code) << "sequence " << seq;
        previous = code;
    }
}

TEST(SequencedCode, KeepsTwentyRandomCharactersForOneSequence) {
    // 100 random bits after the prefix: many codes for the same sequence never repeat,
    // and every character of the alphabet turns up in every position.
    std::set<std::string> tails;
    std::set<char> at[20];
    for (int i = 0; i < 3000; ++i) {
        const auto code = sequenced_code(42);
        ASSERT_EQ(code.substr(0, 6), "22223e");  // 42 = 1 * 32 + 10
        const auto tail = code.substr(6);
        ASSERT_EQ(tail.size(), 20u);
        EXPECT_TRUE(tails.insert(tail).second) << code;
        for (std::size_t p = 0; p < tail.size(); ++p) at[p].insert(tail[p]);
    }
    for (std::size_t p = 0; p < 20; ++p) EXPECT_EQ(at[p].size(), 32u) << "position " << p + 6;
}
