#include <gtest/gtest.h>

#include <atomic>
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
    Hub hub(HubOptions{4});
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
