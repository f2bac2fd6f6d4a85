#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "live/hub.hpp"
#include "live/origin.hpp"
#include "live/topic.hpp"

using namespace congress::live;

namespace {

struct Recorder : Subscriber {
    std::vector<Outgoing> got;
    void deliver(const Outgoing& message) override { got.push_back(message); }
};

}  // namespace

TEST(LiveHubTest, EachTopicHasItsOwnSequenceAndMessagesAreSerialisedOnce) {
    Hub hub;
    auto a = std::make_shared<Recorder>(), b = std::make_shared<Recorder>();
    hub.subscribe("event:1", a);
    hub.subscribe("event:1", b);
    hub.publish("event:1", {{"type", "seats"}, {"confirmed", 1}});
    hub.publish("event:2", {{"type", "seats"}});
    hub.publish("event:1", {{"type", "seats"}, {"confirmed", 2}});
    ASSERT_EQ(a->got.size(), 2u);
    EXPECT_EQ(a->got[0].seq, 1u);
    EXPECT_EQ(a->got[1].seq, 2u);
    // One serialisation shared by every subscriber.
    EXPECT_EQ(a->got[1].text.get(), b->got[1].text.get());
    const auto body = nlohmann::json::parse(*a->got[1].text);
    EXPECT_EQ(body["topic"], "event:1");
    EXPECT_EQ(body["seq"], 2);
    EXPECT_EQ(body["epoch"], hub.epoch());
    EXPECT_EQ(hub.current_seq("event:2"), 1u);
}

TEST(LiveHubTest, UnsubscribedAndDestroyedSubscribersGetNothing) {
    Hub hub;
    auto a = std::make_shared<Recorder>();
    {
        auto gone = std::make_shared<Recorder>();
        hub.subscribe("event:1", gone);
    }
    hub.subscribe("event:1", a);
    hub.unsubscribe("event:1", a.get());
    hub.publish("event:1", {{"type", "seats"}});
    EXPECT_TRUE(a->got.empty());
    EXPECT_FALSE(hub.has_subscribers("event:1"));
}

TEST(LiveHubTest, ResyncGivesExactlyWhatWasMissedOrNothingIfTooOld) {
    HubOptions options;
    options.resync_depth = 4;
    Hub hub(options);
    for (int i = 0; i < 6; ++i) hub.publish("event:1", {{"type", "seats"}, {"n", i}});
    const auto missed = hub.since("event:1", 4);
    ASSERT_TRUE(missed);
    ASSERT_EQ(missed->size(), 2u);
    EXPECT_EQ(missed->front().seq, 5u);
    EXPECT_TRUE(hub.since("event:1", 6)->empty());
    EXPECT_FALSE(hub.since("event:1", 1));   // 2 is no longer kept: snapshot instead
    EXPECT_FALSE(hub.since("event:1", 99));  // from another run
}

TEST(LiveHubTest, TopicsNobodyUsesAreNotKept) {
    Hub hub;
    auto a = std::make_shared<Recorder>();
    hub.subscribe("event:123456", a);
    hub.unsubscribe("event:123456", a.get());
    EXPECT_EQ(hub.subscriptions(), 0u);
    EXPECT_TRUE(hub.subscribed_topics("event:").empty());
}

TEST(LiveHubTest, ConcurrentPublishersKeepSequencesUnique) {
    Hub hub;
    auto a = std::make_shared<Recorder>();
    std::mutex m;
    struct Locked : Subscriber {
        std::mutex& m;
        std::vector<std::uint64_t>& seqs;
        Locked(std::mutex& mm, std::vector<std::uint64_t>& s) : m(mm), seqs(s) {}
        void deliver(const Outgoing& message) override {
            std::lock_guard lock(m);
            seqs.push_back(message.seq);
        }
    };
    std::vector<std::uint64_t> seqs;
    auto locked = std::make_shared<Locked>(m, seqs);
    hub.subscribe("event:1", locked);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&hub] {
            for (int i = 0; i < 250; ++i) hub.publish("event:1", {{"type", "seats"}});
        });
    for (auto& t : threads) t.join();
    std::sort(seqs.begin(), seqs.end());
    ASSERT_EQ(seqs.size(), 1000u);
    for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
}

TEST(LiveTopicTest, OnlyWellFormedTopicsParse) {
    EXPECT_EQ(parse_topic("event:27")->id, 27);
    EXPECT_EQ(parse_topic("session:301")->kind, Topic::Kind::session);
    EXPECT_EQ(parse_topic("registration:abcdefghijklmnopqrstuvwxyz")->code, "abcdefghijklmnopqrstuvwxyz");
    for (const char* bad : {"event:", "event:0", "event:-1", "event:12a", "bogus", "registration:short",
                            "registration:ABCDEFGHIJKLMNOPQRSTUVWXYZ", "session:1:2", ""})
        EXPECT_FALSE(parse_topic(bad)) << bad;
}

TEST(LiveOriginTest, OwnOriginAndConfiguredOnesAreAllowed) {
    const std::vector<std::string> allowed{"https://congress.example.org"};
    EXPECT_TRUE(origin_allowed("http://localhost:8080", "localhost:8080", allowed));
    EXPECT_TRUE(origin_allowed("https://congress.example.org", "10.0.0.5:8080", allowed));
    EXPECT_TRUE(origin_allowed("", "localhost:8080", allowed));  // not a browser
    EXPECT_FALSE(origin_allowed("https://evil.example", "localhost:8080", allowed));
    EXPECT_FALSE(origin_allowed("http://localhost:8081", "localhost:8080", allowed));
    EXPECT_FALSE(origin_allowed("null", "localhost:8080", allowed));
}

namespace {

// Blocks the hub's delivery thread in its first delivery until released: what a broadcast
// to thousands of sockets does while commits keep publishing.
struct SlowRecorder : Subscriber {
    std::mutex mutex;
    std::condition_variable changed;
    bool released = false, entered = false;
    std::vector<Outgoing> got;
    void deliver(const Outgoing& message) override {
        std::unique_lock lock(mutex);
        got.push_back(message);
        entered = true;
        changed.notify_all();
        changed.wait(lock, [this] { return released; });
    }
    void wait_entered() {
        std::unique_lock lock(mutex);
        changed.wait(lock, [this] { return entered; });
    }
    void release() {
        std::lock_guard lock(mutex);
        released = true;
        changed.notify_all();
    }
};

}  // namespace

TEST(LiveHubTest, SeatCountsPublishedFasterThanTheyAreDeliveredWaitAsOneBroadcastPerCount) {
    HubOptions options;
    options.delivery_thread = true;
    auto slow = std::make_shared<SlowRecorder>();
    std::uint64_t superseded = 0;
    std::size_t most_queued = 0;
    {
        Hub hub(options);
        hub.subscribe("event:1", slow);
        hub.publish("event:1", {{"type", "seats"}, {"confirmed", 0}}, "seats:event");
        slow->wait_entered();  // the delivery thread is busy with the first count
        // 10,000 commits while it is busy: two counts (the event's and a session's) and,
        // every hundredth, a schedule change that must not be dropped or reordered.
        for (int i = 1; i <= 10000; ++i) {
            hub.publish("event:1", {{"type", "seats"}, {"confirmed", i}}, "seats:event");
            hub.publish("event:1", {{"type", "seats"}, {"session", 7}, {"confirmed", i}}, "seats:7");
            if (i % 100 == 0) hub.publish("event:1", {{"type", "schedule"}, {"n", i}});
            most_queued = std::max(most_queued, hub.queued_deliveries());
        }
        superseded = hub.superseded_deliveries();
        slow->release();
    }  // the destructor delivers what is queued
    // What waited: the latest of each count and the 100 schedule changes, not 20,000 copies
    // of the subscriber list.
    EXPECT_LE(most_queued, 102u);
    EXPECT_EQ(superseded, 20000u - 2u);
    std::lock_guard lock(slow->mutex);
    ASSERT_EQ(slow->got.size(), 1u + 100u + 2u);
    // In seq order, with every schedule change, and the last counts last.
    for (std::size_t i = 1; i < slow->got.size(); ++i) EXPECT_LT(slow->got[i - 1].seq, slow->got[i].seq) << i;
    int schedules = 0;
    for (const auto& m : slow->got) schedules += nlohmann::json::parse(*m.text)["type"] == "schedule";
    EXPECT_EQ(schedules, 100);
    // Each count arrives as its latest value.
    int event_count = -1, session_count = -1;
    for (const auto& m : slow->got) {
        const auto body = nlohmann::json::parse(*m.text);
        if (body["type"] != "seats") continue;
        (body.contains("session") ? session_count : event_count) = body["confirmed"].get<int>();
    }
    EXPECT_EQ(event_count, 10000);
    EXPECT_EQ(session_count, 10000);
}
