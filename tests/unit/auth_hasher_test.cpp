#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "auth/password_hasher.hpp"

using namespace congress::auth;

namespace {

constexpr ScryptParams fast{10, 8, 1, 16, 32};

// A gate the test opens: jobs wait on it, so the test controls how many are running.
struct Gate {
    std::mutex mutex;
    std::condition_variable cv;
    bool open = false;
    void wait() {
        std::unique_lock lock(mutex);
        cv.wait(lock, [this] { return open; });
    }
    void release() {
        {
            std::lock_guard lock(mutex);
            open = true;
        }
        cv.notify_all();
    }
};

template <typename Predicate>
bool eventually(Predicate predicate) {
    for (int i = 0; i < 5000; ++i) {
        if (predicate()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return predicate();
}

}  // namespace

TEST(PasswordHasherTest, NeverRunsMoreThanTheCapAndRefusesAtOnceWhenTheQueueIsFull) {
    PasswordHasher hasher(PasswordHasherOptions{2, 3, fast});
    Gate gate;
    std::atomic<int> running{0}, most{0}, finished{0};
    auto job = [&] {
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        gate.wait();
        --running;
        ++finished;
    };
    hasher.submit(job);
    hasher.submit(job);
    ASSERT_TRUE(eventually([&] { return hasher.running() == 2; })) << "the first two jobs did not start";
    // Three may wait behind them...
    hasher.submit(job);
    hasher.submit(job);
    hasher.submit(job);
    EXPECT_EQ(hasher.waiting(), 3u);
    // ...and the next is refused at once, with the error the HTTP layer maps to 503.
    EXPECT_THROW(hasher.submit(job), HashQueueFull);
    EXPECT_THROW(hasher.verify("correct horse battery staple", std::nullopt, [](Verification) {}), HashQueueFull);

    gate.release();
    ASSERT_TRUE(eventually([&] { return finished.load() == 5; }));
    EXPECT_EQ(most.load(), 2);
    // Room again once the queue drained.
    std::promise<void> done;
    hasher.submit([&] { done.set_value(); });
    EXPECT_EQ(done.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
}

TEST(PasswordHasherTest, VerifiesOnItsOwnThreadsAndRunsADummyForUnknownAccounts) {
    PasswordHasher hasher(PasswordHasherOptions{2, 8, fast});
    const auto stored = hash_password("correct horse battery staple", fast);
    const auto caller = std::this_thread::get_id();

    auto check = [&](std::string password, std::optional<std::string> hash) {
        std::promise<std::pair<Verification, std::thread::id>> result;
        hasher.verify(std::move(password), std::move(hash),
                      [&](Verification v) { result.set_value({std::move(v), std::this_thread::get_id()}); });
        return result.get_future().get();
    };
    auto [right, right_thread] = check("correct horse battery staple", stored);
    EXPECT_TRUE(right.ok);
    EXPECT_FALSE(right.rehashed);  // already at the hasher's parameters
    EXPECT_FALSE(right.error);
    EXPECT_NE(right_thread, caller);

    EXPECT_FALSE(check("wrong horse battery staple", stored).first.ok);
    const auto dummy = check("correct horse battery staple", std::nullopt).first;
    EXPECT_FALSE(dummy.ok);
    EXPECT_FALSE(dummy.error);
}

TEST(PasswordHasherTest, ACorrectPasswordWithAWeakerHashComesBackRehashed) {
    PasswordHasher hasher(PasswordHasherOptions{1, 4, ScryptParams{11, 8, 1, 16, 32}});
    const auto weak = hash_password("correct horse battery staple", fast);
    std::promise<Verification> result;
    hasher.verify("correct horse battery staple", weak, [&](Verification v) { result.set_value(std::move(v)); });
    const auto v = result.get_future().get();
    ASSERT_TRUE(v.ok);
    ASSERT_TRUE(v.rehashed);
    EXPECT_EQ(v.rehashed->rfind("scrypt$ln=11,r=8,p=1$", 0), 0u);
    EXPECT_TRUE(verify_password("correct horse battery staple", *v.rehashed));

    std::promise<std::string> hashed;
    hasher.hash("another good password", [&](std::exception_ptr error, std::string encoded) {
        EXPECT_FALSE(error);
        hashed.set_value(std::move(encoded));
    });
    EXPECT_TRUE(verify_password("another good password", hashed.get_future().get()));
}

TEST(PasswordHasherTest, CloseFinishesWhatIsQueuedThenRefusesMore) {
    PasswordHasher hasher(PasswordHasherOptions{1, 8, fast});
    std::atomic<int> finished{0};
    for (int i = 0; i < 4; ++i) hasher.submit([&] { ++finished; });
    hasher.close();
    EXPECT_EQ(finished.load(), 4);
    EXPECT_THROW(hasher.submit([] {}), HashQueueFull);
}
