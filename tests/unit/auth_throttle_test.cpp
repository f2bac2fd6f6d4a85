#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "auth/login_throttle.hpp"

using namespace congress::auth;
using namespace std::chrono_literals;

namespace {

// A clock the test moves by hand.
struct FakeClock {
    LoginThrottle::Clock::time_point now{std::chrono::hours(1000)};
    LoginThrottle::Now function() {
        return [this] { return now; };
    }
};

constexpr auto ana = "ana@example.org";
constexpr auto desk = "203.0.113.9";

}  // namespace

TEST(LoginThrottleTest, TheFirstFailuresAreFreeThenTheLockDoublesUpToItsCap) {
    FakeClock clock;
    LoginThrottle throttle({}, clock.function());
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(throttle.record_failure(ana, desk).allowed);
    // The fifth failure is the last free one; the sixth locks the account for 30 s.
    EXPECT_TRUE(throttle.record_failure(ana, desk).allowed);
    EXPECT_TRUE(throttle.check(ana, desk).allowed);
    auto after_sixth = throttle.record_failure(ana, desk);
    EXPECT_FALSE(after_sixth.allowed);
    EXPECT_EQ(after_sixth.retry_after, 30s);

    clock.now += 29s;
    EXPECT_EQ(throttle.check(ana, desk).retry_after, 1s);
    clock.now += 1s;
    EXPECT_TRUE(throttle.check(ana, desk).allowed);
    EXPECT_EQ(throttle.record_failure(ana, desk).retry_after, 60s);
    clock.now += 60s;
    EXPECT_EQ(throttle.record_failure(ana, desk).retry_after, 120s);

    // Each failure right after the lock ends doubles it, until the cap.
    for (int i = 0; i < 5; ++i) {
        clock.now += throttle.check(ana, desk).retry_after;
        throttle.record_failure(ana, desk);
    }
    EXPECT_EQ(throttle.check(ana, desk).retry_after, 15min);  // the cap
}

TEST(LoginThrottleTest, ASuccessfulLoginForgetsTheAccountsFailures) {
    FakeClock clock;
    LoginThrottle throttle({}, clock.function());
    for (int i = 0; i < 6; ++i) throttle.record_failure(ana, desk);
    EXPECT_FALSE(throttle.check(ana, desk).allowed);
    clock.now += 30s;
    throttle.record_success(ana);
    EXPECT_EQ(throttle.account_failures(ana), 0);
    // Free attempts again: one more failure does not lock.
    EXPECT_TRUE(throttle.record_failure(ana, desk).allowed);
    // The address keeps its count: one good account must not let an address go on guessing.
    EXPECT_EQ(throttle.address_failures(desk), 7);
}

TEST(LoginThrottleTest, FailuresFadeOneForEachQuietDecayInterval) {
    FakeClock clock;
    LoginThrottle throttle({}, clock.function());
    for (int i = 0; i < 6; ++i) throttle.record_failure(ana, desk);
    EXPECT_EQ(throttle.account_failures(ana), 6);
    clock.now += 15min;
    EXPECT_EQ(throttle.account_failures(ana), 5);
    EXPECT_TRUE(throttle.check(ana, desk).allowed);
    clock.now += 75min;
    EXPECT_EQ(throttle.account_failures(ana), 0);
    // After a quiet spell a mistyped password is free again.
    EXPECT_TRUE(throttle.record_failure(ana, desk).allowed);
}

TEST(LoginThrottleTest, OneAddressGuessingManyAccountsIsLockedOut) {
    FakeClock clock;
    LoginThrottle throttle({}, clock.function());
    for (int i = 0; i < 20; ++i) {
        EXPECT_TRUE(throttle.record_failure("user" + std::to_string(i) + "@example.org", desk).allowed);
        clock.now += 1s;
    }
    const auto locked = throttle.record_failure("user20@example.org", desk);
    EXPECT_FALSE(locked.allowed);
    EXPECT_EQ(locked.retry_after, 30s);
    // Another account from that address waits too; the same account from elsewhere does not.
    EXPECT_FALSE(throttle.check("someone@example.org", desk).allowed);
    EXPECT_TRUE(throttle.check("someone@example.org", "198.51.100.1").allowed);
}

TEST(LoginThrottleTest, AnAccountIsLockedWhicheverAddressTheGuessesComeFrom) {
    FakeClock clock;
    LoginThrottle throttle({}, clock.function());
    for (int i = 0; i < 6; ++i) throttle.record_failure(ana, "198.51.100." + std::to_string(i));
    EXPECT_FALSE(throttle.check(ana, "192.0.2.77").allowed);
    EXPECT_FALSE(throttle.check("  ANA@Example.ORG ", "192.0.2.77").allowed);  // case and spaces do not matter
}

TEST(LoginThrottleTest, AnIpv6ClientIsCountedByItsSlash64) {
    EXPECT_EQ(address_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    EXPECT_EQ(address_key("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64");
    EXPECT_EQ(address_key("::ffff:203.0.113.9"), "203.0.113.9");
    EXPECT_EQ(address_key("203.0.113.9"), "203.0.113.9");
    EXPECT_EQ(address_key("not an address"), "not an address");

    FakeClock clock;
    LoginThrottle throttle({}, clock.function());
    for (int i = 0; i < 21; ++i) throttle.record_failure("u" + std::to_string(i) + "@x.org", "2001:db8:1:2::" + std::to_string(i + 1));
    EXPECT_FALSE(throttle.check("new@x.org", "2001:db8:1:2:aaaa::1").allowed);
    EXPECT_TRUE(throttle.check("new@x.org", "2001:db8:1:3::1").allowed);
}

TEST(LoginThrottleTest, CountsEveryFailureWhenManyThreadsFailAtOnce) {
    FakeClock clock;
    LoginThrottleOptions options;
    options.account.free_failures = 1'000'000;
    options.address.free_failures = 1'000'000;
    LoginThrottle throttle(options, clock.function());
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 250; ++i) {
                throttle.record_failure(ana, desk);
                throttle.check(ana, desk);
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(throttle.account_failures(ana), 2000);
    EXPECT_EQ(throttle.address_failures(desk), 2000);
}

TEST(LoginThrottleTest, AFloodOfDistinctKeysStaysWithinTheMemoryBound) {
    FakeClock clock;
    LoginThrottleOptions options;
    options.max_keys = 1000;
    LoginThrottle throttle(options, clock.function());
    for (int i = 0; i < 5000; ++i) {
        throttle.record_failure("flood" + std::to_string(i) + "@x.org", "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250));
        clock.now += 1s;
    }
    EXPECT_LE(throttle.keys(), 1000u);
    // The most recent keys are kept.
    EXPECT_EQ(throttle.account_failures("flood4999@x.org"), 1);
}

TEST(LoginThrottleTest, LockoutGrowsAsDocumented) {
    const ThrottlePolicy policy{};
    EXPECT_EQ(lockout_for(0, policy), 0s);
    EXPECT_EQ(lockout_for(5, policy), 0s);
    EXPECT_EQ(lockout_for(6, policy), 30s);
    EXPECT_EQ(lockout_for(7, policy), 60s);
    EXPECT_EQ(lockout_for(10, policy), 480s);
    EXPECT_EQ(lockout_for(11, policy), 900s);
    EXPECT_EQ(lockout_for(1000, policy), 900s);
}
