// The /live WebSocket channel of the real server (docs/live.md is the contract): topics and
// snapshots, pushes after commits, the registration topic, schedule changes made by
// `congress session` in another process, resync after a reconnect, refusals of bad input
// and bad clients, and the close codes (1001, 1008, 1009, 4001).
//
// Every wait is bounded (ws_client's receive() and the helpers below) and fails with what
// arrived instead; nothing measures how fast the server is. The tests of one suite share a
// server, so each one reads the counts it starts from (a snapshot or GET) instead of
// assuming the demo's.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"
#include "integration/ws_client.hpp"

namespace congress::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* colloquium_slug = "barcelona-women-colloquium-2014";  // capacity 60, 4 sessions in one room
constexpr const char* hyderabad_slug = "hyderabad-2014";                    // capacity 3000, 37 sessions
constexpr const char* seoul_water_slug = "seoul-miti-water-supply-2014";    // capacity 40, waiting list
constexpr const char* seoul_urban_slug = "seoul-miti-urban-management-2014";  // capacity 40, waiting list
constexpr const char* medellin_slug = "medellin-wuf7-2014";                 // capacity 25000, 8 sessions

// A well-formed registration code (26 base32 characters) that no registration has.
constexpr const char* unknown_code = "aaaaaaaaaaaaaaaaaaaaaaaaaa";

constexpr std::chrono::milliseconds message_wait = 10s;

// ---------------------------------------------------------------------------------------
// HTTP side

std::string unique_email(const std::string& tag) {
    static std::atomic<int> counter{0};
    return "live-" + tag + "-" + std::to_string(++counter) + "@example.org";
}

json get_json(std::uint16_t port, const std::string& target) {
    const auto r = get(port, target);
    EXPECT_EQ(r.status, 200) << "GET " << target << ": " << r.error << r.body.substr(0, 300);
    return parse_json(r.body);
}

// The event's id, from GET /api/events; -1 (and a test failure) if it is not listed.
long long event_id(std::uint16_t port, const std::string& slug) {
    auto list = get_json(port, "/api/events");
    if (list.is_object() && list.contains("events") && list["events"].is_array())
        for (const auto& e : list["events"])
            if (e.is_object() && e.value("slug", "") == slug) return e["id"].get<long long>();
    ADD_FAILURE() << "GET /api/events has no event " << slug;
    return -1;
}

json programme(std::uint16_t port, long long id) { return get_json(port, "/api/events/" + std::to_string(id)); }

std::string event_topic(long long id) { return "event:" + std::to_string(id); }

// POST /api/events/{id}/registrations for a new delegate; the registration object (empty
// and a test failure unless the answer is 201).
json register_delegate(std::uint16_t port, long long event, const std::string& tag) {
    const json body = {{"name", "Live " + tag}, {"email", unique_email(tag)}};
    const auto target = "/api/events/" + std::to_string(event) + "/registrations";
    const auto r = post_json(port, target, body);
    EXPECT_EQ(r.status, 201) << "POST " << target << " " << body.dump() << ": " << r.error << r.body.substr(0, 300);
    const auto parsed = parse_json(r.body);
    if (r.status != 201 || !parsed.is_object() || !parsed.contains("registration")) return json::object();
    return parsed["registration"];
}

Response cancel_registration(std::uint16_t port, const std::string& code) {
    return request(port, "DELETE", "/api/registrations/" + code);
}

// ---------------------------------------------------------------------------------------
// WebSocket side

std::string subscribe_message(const std::string& topic) { return json{{"type", "subscribe"}, {"topic", topic}}.dump(); }

// The next message, which must be a JSON object in a text frame; null (and a test failure
// naming `what`) otherwise.
json next_json(WsClient& client, const std::string& what, std::chrono::milliseconds wait = message_wait) {
    const auto m = client.receive(wait);
    if (!m.is_text()) {
        ADD_FAILURE() << what << ": expected a JSON text message, got " << m.describe();
        return nullptr;
    }
    auto parsed = parse_json(m.data);
    if (!parsed.is_object()) {
        ADD_FAILURE() << what << ": not a JSON object: " << m.data.substr(0, 300);
        return nullptr;
    }
    return parsed;
}

// Reads messages until one satisfies `match` and returns it; the messages before it go to
// `before`. Null (and a test failure naming `what`) if the wait ends, the connection
// closes or something else than a JSON text message comes first.
json wait_for(WsClient& client, const std::function<bool(const json&)>& match, const std::string& what,
              std::vector<json>* before = nullptr, std::chrono::milliseconds wait = message_wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    std::vector<json> skipped;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        const auto m = client.receive(std::max(left, 1ms));
        if (!m.is_text()) {
            std::string seen;
            for (const auto& s : skipped) seen += "\n  " + s.dump().substr(0, 200);
            ADD_FAILURE() << "waiting for " << what << ": got " << m.describe() << " after " << skipped.size()
                          << " other message(s):" << seen;
            return nullptr;
        }
        auto parsed = parse_json(m.data);
        if (!parsed.is_object()) {
            ADD_FAILURE() << "waiting for " << what << ": not a JSON object: " << m.data.substr(0, 300);
            return nullptr;
        }
        if (match(parsed)) {
            if (before) *before = std::move(skipped);
            return parsed;
        }
        skipped.push_back(std::move(parsed));
    }
}

bool has_type(const json& m, const std::string& type) { return m.is_object() && m.value("type", "") == type; }

// A member of a message, null if it has none (operator[] on a const json may not be used so).
json field(const json& m, const char* name) { return m.is_object() ? m.value(name, json()) : json(); }

// A `seats` message with the event's own count (session null) on `topic`.
std::function<bool(const json&)> event_seats_on(const std::string& topic) {
    return [topic](const json& m) {
        return has_type(m, "seats") && m.value("topic", "") == topic && m.contains("session") && m["session"].is_null();
    };
}

// ... that shows `confirmed` places taken.
std::function<bool(const json&)> event_seats_on(const std::string& topic, long long confirmed) {
    return [topic, confirmed](const json& m) {
        return event_seats_on(topic)(m) && field(m, "confirmed") == confirmed;
    };
}

struct Subscription {
    json subscribed;
    json snapshot;
    bool ok() const { return subscribed.is_object() && snapshot.is_object(); }
};

// Sends {"type":"subscribe", ...} (`extra` adds epoch and last_seq) and reads `subscribed`
// and then the snapshot of that topic. Failures are reported; ok() tells.
Subscription subscribe(WsClient& client, const std::string& topic, const json& extra = json::object()) {
    json message = {{"type", "subscribe"}, {"topic", topic}};
    message.update(extra);
    Subscription s;
    if (!client.send_text(message.dump())) {
        ADD_FAILURE() << "sending " << message.dump() << ": " << client.error();
        return s;
    }
    s.subscribed = next_json(client, "the answer to " + message.dump());
    if (!has_type(s.subscribed, "subscribed") || s.subscribed.value("topic", "") != topic) {
        ADD_FAILURE() << "the answer to " << message.dump() << " is not `subscribed`: " << s.subscribed.dump();
        s.subscribed = nullptr;
        return s;
    }
    s.snapshot = wait_for(
        client, [&](const json& m) { return has_type(m, "snapshot") && m.value("topic", "") == topic; },
        "the snapshot of " + topic);
    return s;
}

// The seats entry of a snapshot for the event itself (session null) or one session.
json seats_entry(const json& snapshot, const json& session) {
    if (!snapshot.is_object() || !snapshot.contains("seats") || !snapshot["seats"].is_array()) return nullptr;
    for (const auto& s : snapshot["seats"])
        if (s.is_object() && s.contains("session") && s["session"] == session) return s;
    return nullptr;
}

long long confirmed_in(const json& snapshot) {
    const auto entry = seats_entry(snapshot, nullptr);
    return entry.is_object() && entry.contains("confirmed") ? entry["confirmed"].get<long long>() : -1;
}

long long confirmed_in_session(const json& snapshot, long long session) {
    const auto entry = seats_entry(snapshot, session);
    return entry.is_object() && entry.contains("confirmed") ? entry["confirmed"].get<long long>() : -1;
}

// Makes a stalled reader (see stalled_reader()) fall behind for sure. The kernels' buffers
// on loopback grow to tens or hundreds of KB, so it asks for snapshots of the biggest
// programme (about 3 KB each), without reading them and below the rate limit, until the
// bytes the two kernels hold for it stop growing while more than three snapshots' worth
// is owed to it: that waits in the server's queue for it (a few entries, below the 64
// that close it). Bounded; fails if the server's side cannot be seen (/proc/net/tcp) or
// the client never falls behind.
::testing::AssertionResult fall_behind(WsClient& client, std::uint16_t port) {
    const auto filler = event_topic(event_id(port, hyderabad_slug));
    std::size_t weight = 0;  // one `subscribed` and one snapshot, as frames
    {
        WsClient probe(port);
        auto s = subscribe(probe, filler);
        if (!s.ok()) return ::testing::AssertionFailure() << "no snapshot of " << filler;
        weight = s.subscribed.dump().size() + s.snapshot.dump().size() + 2 * 4;
    }
    auto held = [&]() -> std::optional<std::size_t> {
        const auto unsent = client.server_unsent_bytes();
        if (!unsent) return std::nullopt;
        return *unsent + client.unread_bytes();
    };
    std::size_t owed = 0;
    for (int sent = 0; sent < 120; ++sent) {
        if (!client.send_text(subscribe_message(filler))) return ::testing::AssertionFailure() << client.error();
        owed += weight;
        // 20 at once (within the burst of 40, with room for the client's other messages),
        // then about 16 a second, below the rate of 20.
        if (sent < 20) continue;
        std::this_thread::sleep_for(60ms);
        auto now = held();
        if (!now) return ::testing::AssertionFailure() << "cannot read the server's send queue in /proc/net/tcp";
        if (*now + 3 * weight >= owed) continue;
        // Behind, unless a snapshot is still being read: then the bytes held still grow.
        for (int stable = 0; stable < 5; ++stable) {
            std::this_thread::sleep_for(20ms);
            const auto again = held();
            if (!again || *again != *now) break;
            if (stable == 4) return ::testing::AssertionSuccess();
        }
    }
    return ::testing::AssertionFailure() << "could not make the client fall behind: the kernels hold "
                                         << held().value_or(0) << " of the " << owed << " bytes owed to it";
}

// A scheduled session of the event with a free place, and a delegate of the event.
struct Enrolment {
    long long session = 0;
    std::string code;
};
std::optional<Enrolment> enrolment_for(std::uint16_t port, long long event_id, const std::string& tag) {
    auto event = programme(port, event_id);
    Enrolment e;
    for (const auto& s : event["sessions"])
        if (s.value("status", "") == "scheduled" && s["seats_left"].get<long long>() > 0) {
            e.session = s["id"].get<long long>();
            break;
        }
    auto registration = register_delegate(port, event_id, tag);
    if (e.session == 0 || registration.value("status", "") != "confirmed") return std::nullopt;
    e.code = registration["code"].get<std::string>();
    return e;
}

Response enrol(std::uint16_t port, const Enrolment& e) {
    return post_json(port, "/api/registrations/" + e.code + "/sessions", json{{"session_id", e.session}});
}

// Reads up to the pong that answers a ping sent after everything else; the messages
// before it. Failures are reported.
std::vector<json> read_until_pong(WsClient& client) {
    std::vector<json> out;
    for (;;) {
        auto m = next_json(client, "the messages before the pong (" + std::to_string(out.size()) + " so far)");
        if (!m.is_object() || has_type(m, "pong")) return out;
        out.push_back(std::move(m));
    }
}

// Pushes are delivered by the hub's own thread after the commit, so they may come after an
// answer to a later request: ping and read up to the pong until `done` holds for what came
// (or 20 rounds passed), and return everything read.
std::vector<json> read_pushes_until(WsClient& client, const std::function<bool(const std::vector<json>&)>& done) {
    std::vector<json> all;
    for (int round = 0; round < 20; ++round) {
        if (!client.send_text(R"({"type": "ping"})")) break;
        auto some = read_until_pong(client);
        all.insert(all.end(), some.begin(), some.end());
        if (done(all)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return all;
}

// "seq 7 (the event) after seq 8" for each message of `topic` that comes after a later one.
std::vector<std::string> out_of_seq_order(const std::vector<json>& messages, const std::string& topic, std::uint64_t after) {
    std::vector<std::string> found;
    for (const auto& m : messages) {
        // Only the messages numbered by the topic (not `subscribed` or a snapshot, which restate a seq).
        if (m.value("topic", "") != topic || !m.contains("seq") || has_type(m, "snapshot") || has_type(m, "subscribed"))
            continue;
        const auto seq = m["seq"].get<std::uint64_t>();
        if (seq <= after)
            found.push_back("seq " + std::to_string(seq) + " (" +
                            (m.value("session", json()).is_null() ? std::string("the event") : "session " + m["session"].dump()) +
                            ") after seq " + std::to_string(after));
        after = std::max(after, seq);
    }
    return found;
}

std::string lines(const std::vector<std::string>& items) {
    std::string text;
    for (const auto& item : items) text += "\n  " + item;
    return text;
}

// A well-behaved client subscribed to an event for the length of a test: whatever another
// client does, it must still be told of a later registration.
class Watcher {
public:
    Watcher(std::uint16_t port, long long event) : port_(port), event_(event), client_(port) {
        EXPECT_TRUE(client_.open()) << "the watching client did not connect: " << client_.error();
        if (!client_.open()) return;
        auto s = subscribe(client_, event_topic(event));
        confirmed_ = confirmed_in(s.snapshot);
        EXPECT_GE(confirmed_, 0) << "no event count in the watcher's snapshot: " << s.snapshot.dump();
    }

    // Registers a delegate and expects the new count on the watcher's socket.
    ::testing::AssertionResult still_served(const std::string& tag) {
        if (!client_.open()) return ::testing::AssertionFailure() << "the watcher's connection is gone";
        auto registration = register_delegate(port_, event_, tag);
        if (registration.value("status", "") != "confirmed")
            return ::testing::AssertionFailure() << "the watcher's registration: " << registration.dump();
        auto seats = wait_for(client_, event_seats_on(event_topic(event_), confirmed_ + 1),
                                    "the watcher's count " + std::to_string(confirmed_ + 1));
        if (!seats.is_object()) return ::testing::AssertionFailure() << "the watcher was not told of the registration";
        ++confirmed_;
        return ::testing::AssertionSuccess();
    }

private:
    std::uint16_t port_;
    long long event_;
    WsClient client_;
    long long confirmed_ = -1;
};

// The server writes its log at info level: the tests read what it says about clients.
struct LiveServer {
    static ServerOptions make() {
        ServerOptions options;
        options.log_level = "info";
        return options;
    }
};

class Live : public SharedServerTest<LiveServer> {};
class LiveBadInput : public SharedServerTest<LiveServer> {};
class LiveSlowClient : public SharedServerTest<LiveServer> {};

// ---------------------------------------------------------------------------------------
// Topics, snapshots and pushes

TEST_F(Live, SubscribingToAnEventGivesSubscribedThenASnapshotThatMatchesTheProgramme) {
    const auto id = event_id(port(), colloquium_slug);
    ASSERT_GT(id, 0);
    const auto topic = event_topic(id);
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error() << " " << client.handshake().body;

    auto s = subscribe(client, topic);
    ASSERT_TRUE(s.ok());
    auto event = programme(port(), id);
    ASSERT_TRUE(event.is_object());

    EXPECT_TRUE(s.subscribed["epoch"].is_string() && !s.subscribed["epoch"].get<std::string>().empty()) << s.subscribed;
    EXPECT_TRUE(s.subscribed["seq"].is_number_unsigned()) << s.subscribed;
    EXPECT_EQ(s.snapshot["epoch"], s.subscribed["epoch"]) << s.snapshot;
    EXPECT_EQ(s.snapshot["seq"], s.subscribed["seq"]) << s.snapshot;
    EXPECT_EQ(s.snapshot["schedule_version"], event["schedule_version"]) << s.snapshot;

    const auto own = seats_entry(s.snapshot, nullptr);
    ASSERT_TRUE(own.is_object()) << "no seats entry with session null: " << s.snapshot.dump();
    EXPECT_EQ(own["event"], id);
    for (const char* field : {"capacity", "confirmed", "waitlisted", "seats_left"})
        EXPECT_EQ(own[field], event[field]) << field << ": snapshot " << own.dump() << " vs GET " << event[field];

    ASSERT_TRUE(event["sessions"].is_array());
    for (const auto& session : event["sessions"]) {
        const auto entry = seats_entry(s.snapshot, session["id"]);
        ASSERT_TRUE(entry.is_object()) << "no seats entry for session " << session["id"] << ": " << s.snapshot.dump();
        for (const char* field : {"capacity", "confirmed", "seats_left"})
            EXPECT_EQ(entry[field], session[field]) << "session " << session["id"] << " " << field;
    }
    EXPECT_EQ(s.snapshot["seats"].size(), event["sessions"].size() + 1) << s.snapshot.dump();
}

TEST_F(Live, ARegistrationPushesTheNewCountToEverySubscriberOfThatEventAndNoOtherEvent) {
    const auto id = event_id(port(), colloquium_slug);
    const auto other = event_id(port(), hyderabad_slug);
    ASSERT_GT(id, 0);
    ASSERT_GT(other, 0);
    const auto topic = event_topic(id);
    const auto other_topic = event_topic(other);

    std::vector<std::unique_ptr<WsClient>> clients;
    std::vector<Subscription> subscriptions;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<WsClient>(port()));
        ASSERT_TRUE(clients.back()->open()) << clients.back()->error();
        subscriptions.push_back(subscribe(*clients.back(), topic));
        ASSERT_TRUE(subscriptions.back().ok());
    }
    WsClient bystander(port());
    ASSERT_TRUE(bystander.open()) << bystander.error();
    auto bystander_subscription = subscribe(bystander, other_topic);
    ASSERT_TRUE(bystander_subscription.ok());

    const auto before = confirmed_in(subscriptions[0].snapshot);
    ASSERT_GE(before, 0);
    auto registration = register_delegate(port(), id, "fanout");
    ASSERT_EQ(registration.value("status", ""), "confirmed") << registration.dump();

    for (std::size_t i = 0; i < clients.size(); ++i) {
        std::vector<json> earlier;
        auto seats = wait_for(*clients[i], event_seats_on(topic), "client " + std::to_string(i) + "'s event count", &earlier);
        ASSERT_TRUE(seats.is_object());
        EXPECT_EQ(seats["confirmed"], before + 1) << "client " << i << ": " << seats.dump();
        EXPECT_EQ(seats["event"], id);
        EXPECT_EQ(seats["seats_left"], seats["capacity"].get<long long>() - seats["confirmed"].get<long long>()) << seats;
        EXPECT_EQ(seats["epoch"], subscriptions[i].subscribed["epoch"]) << seats;
        ASSERT_TRUE(seats["seq"].is_number_unsigned()) << seats;
        EXPECT_GT(seats["seq"].get<std::uint64_t>(), subscriptions[i].snapshot["seq"].get<std::uint64_t>())
            << "client " << i << ": the push is not newer than the snapshot";
        EXPECT_TRUE(seats["at"].is_string() && parse_rfc3339(seats["at"].get<std::string>())) << "no `at`: " << seats;
        for (const auto& m : earlier)  // only counts of this event
            EXPECT_TRUE(has_type(m, "seats") && m.value("topic", "") == topic) << "client " << i << ": " << m.dump();
    }

    // The bystander's next message is about its own event: nothing about the colloquium
    // was queued before it.
    const auto other_before = confirmed_in(bystander_subscription.snapshot);
    ASSERT_EQ(register_delegate(port(), other, "bystander").value("status", ""), "confirmed");
    std::vector<json> earlier;
    auto own = wait_for(bystander, event_seats_on(other_topic), "the bystander's event count", &earlier);
    ASSERT_TRUE(own.is_object());
    EXPECT_EQ(own["confirmed"], other_before + 1) << own;
    for (const auto& m : earlier) EXPECT_EQ(m.value("topic", ""), other_topic) << "the bystander got " << m.dump();
}

TEST_F(Live, TheCountIsPushedOnlyAfterItIsCommitted) {
    const auto id = event_id(port(), colloquium_slug);
    ASSERT_GT(id, 0);
    const auto topic = event_topic(id);
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    auto s = subscribe(client, topic);
    ASSERT_TRUE(s.ok());
    const auto before = confirmed_in(s.snapshot);

    // Register from another thread, so that the push may well arrive before the HTTP answer;
    // whenever it arrives, a read must already see the registration.
    json registration;
    std::thread registrar([&] { registration = register_delegate(port(), id, "after-commit"); });
    auto seats = wait_for(client, event_seats_on(topic, before + 1), "the count " + std::to_string(before + 1));
    auto event = programme(port(), id);
    registrar.join();
    ASSERT_TRUE(seats.is_object());
    EXPECT_EQ(event["confirmed"], before + 1) << "GET /api/events/" << id << " right after the push";
    EXPECT_EQ(event["confirmed"], seats["confirmed"]);
    EXPECT_EQ(registration.value("status", ""), "confirmed") << registration.dump();
}

TEST_F(Live, AWaitlistedDelegateWatchingTheirRegistrationIsToldOfThePromotion) {
    const auto id = event_id(port(), seoul_water_slug);
    ASSERT_GT(id, 0);
    auto event = programme(port(), id);
    ASSERT_EQ(event["waitlisted"], 0) << "another test filled " << seoul_water_slug;
    const auto places = event["capacity"].get<long long>() - event["confirmed"].get<long long>();
    ASSERT_GT(places, 0);
    std::vector<std::string> confirmed;
    for (long long i = 0; i < places; ++i) {
        auto r = register_delegate(port(), id, "seoul-" + std::to_string(i));
        ASSERT_EQ(r.value("status", ""), "confirmed") << "delegate " << i << ": " << r.dump();
        confirmed.push_back(r["code"].get<std::string>());
    }
    auto waiting = register_delegate(port(), id, "seoul-waiting");
    ASSERT_EQ(waiting.value("status", ""), "waitlisted") << waiting.dump();
    ASSERT_EQ(waiting["waitlist_position"], 1) << waiting.dump();
    const auto code = waiting["code"].get<std::string>();
    const auto topic = "registration:" + code;

    WsClient delegate(port());
    ASSERT_TRUE(delegate.open()) << delegate.error();
    auto s = subscribe(delegate, topic);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s.snapshot["registration"].is_object()) << s.snapshot.dump();
    EXPECT_EQ(s.snapshot["registration"]["code"], code);
    EXPECT_EQ(s.snapshot["registration"]["status"], "waitlisted");
    EXPECT_EQ(s.snapshot["registration"]["waitlist_position"], 1);

    const auto cancelled = cancel_registration(port(), confirmed.front());
    ASSERT_EQ(cancelled.status, 200) << cancelled.error << cancelled.body.substr(0, 300);

    auto update = wait_for(delegate, [](const json& m) { return has_type(m, "registration"); }, "the promotion");
    ASSERT_TRUE(update.is_object());
    EXPECT_EQ(update["topic"], topic);
    EXPECT_EQ(update["epoch"], s.subscribed["epoch"]);
    EXPECT_GT(update["seq"].get<std::uint64_t>(), s.snapshot["seq"].get<std::uint64_t>()) << update;
    ASSERT_TRUE(update["registration"].is_object()) << update;
    EXPECT_EQ(update["registration"]["code"], code);
    EXPECT_EQ(update["registration"]["status"], "confirmed") << update;
    EXPECT_TRUE(update["registration"]["waitlist_position"].is_null()) << update;
    EXPECT_EQ(get_json(port(), "/api/registrations/" + code)["registration"]["status"], "confirmed");
}

TEST_F(Live, ARegistrationTopicNeedsTheCodeOfAnExistingRegistration) {
    Watcher watcher(port(), event_id(port(), colloquium_slug));
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    for (const std::string& topic : {std::string("registration:") + unknown_code,  // well-formed, nobody's
                                    std::string("registration:not-a-code"),
                                    std::string("registration:AAAAAAAAAAAAAAAAAAAAAAAAAA"),  // upper case
                                    std::string("registration:aaaaaaaaaaaaaaaaaaaaaaaaa1"),  // 1 is not base32
                                    std::string("registration:")}) {
        ASSERT_TRUE(client.send_text(subscribe_message(topic)));
        // A well-formed code is looked up (subscribed, then the refusal); a malformed one is
        // refused at once.
        auto error = wait_for(client, [](const json& m) { return has_type(m, "error"); }, "the refusal of " + topic);
        ASSERT_TRUE(error.is_object());
        EXPECT_EQ(error["code"], "unknown_topic") << topic << ": " << error;
        EXPECT_TRUE(error["message"].is_string()) << error;
        EXPECT_EQ(error.value("topic", ""), topic) << error;
    }
    EXPECT_TRUE(client.open());
    EXPECT_TRUE(watcher.still_served("registration-topic"));
}

// ---------------------------------------------------------------------------------------
// Schedule changes made by another process

struct Move {
    long long session = 0;
    std::string title;
    std::string original_start;  // local wall-clock times, "2027-06-13T12:00"
    std::string new_start;       // the free time before it in the same room
    std::string clash_start;     // the start of the session before it in the same room
};

std::string local_part(const json& rfc3339) { return rfc3339.get<std::string>().substr(0, 16); }

// A session that can move earlier into the free time before it in its room: it then only
// overlaps its own old place. Found by reading the programme.
std::optional<Move> find_move(const json& event) {
    std::map<long long, std::vector<json>> by_room;
    for (const auto& s : event["sessions"])
        if (s.value("status", "") == "scheduled" && s["room"].is_object()) by_room[s["room"]["id"].get<long long>()].push_back(s);
    for (auto& [room, sessions] : by_room) {
        std::sort(sessions.begin(), sessions.end(), [](const json& a, const json& b) {
            return parse_rfc3339(a["starts_at"].get<std::string>()) < parse_rfc3339(b["starts_at"].get<std::string>());
        });
        for (std::size_t i = 1; i < sessions.size(); ++i) {
            const auto& before = sessions[i - 1];
            const auto& after = sessions[i];
            if (parse_rfc3339(before["ends_at"].get<std::string>()) < parse_rfc3339(after["starts_at"].get<std::string>()))
                return Move{after["id"].get<long long>(), after["title"].get<std::string>(), local_part(after["starts_at"]),
                            local_part(before["ends_at"]), local_part(before["starts_at"])};
        }
    }
    return std::nullopt;
}

json session_in(const json& event, long long id) {
    for (const auto& s : event["sessions"])
        if (s["id"] == id) return s;
    return nullptr;
}

TEST_F(Live, AScheduleChangeByTheSessionCommandIsPushedWithTheNextVersionAndARefusedOneIsNot) {
    const auto id = event_id(port(), colloquium_slug);
    ASSERT_GT(id, 0);
    const auto topic = event_topic(id);
    auto event = programme(port(), id);
    const auto move = find_move(event);
    ASSERT_TRUE(move) << "no session of " << colloquium_slug << " can move into free time: " << event["sessions"].dump();
    const auto version = event["schedule_version"].get<long long>();

    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    auto s = subscribe(client, topic);
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(s.snapshot["schedule_version"], version);

    auto session_command = [&](const std::string& starts, const std::string& reason) {
        return run_congress({"session", "--db", server().db_path(), "--id", std::to_string(move->session), "--starts",
                             starts, "--reason", reason});
    };
    auto is_schedule = [](const json& m) { return has_type(m, "schedule"); };

    // 1. A move into free time.
    const auto moved = session_command(move->new_start, "Speaker's flight delayed");
    ASSERT_EQ(moved.exit_code, 0) << moved.output();
    std::vector<json> earlier;
    auto change = wait_for(client, is_schedule, "the schedule change", &earlier);
    ASSERT_TRUE(change.is_object());
    for (const auto& m : earlier) EXPECT_TRUE(has_type(m, "seats")) << "before the schedule change: " << m.dump();
    EXPECT_EQ(change["topic"], topic);
    EXPECT_EQ(change["event"], id);
    EXPECT_EQ(change["version"], version + 1) << change;
    EXPECT_GT(change["seq"].get<std::uint64_t>(), s.snapshot["seq"].get<std::uint64_t>());
    ASSERT_TRUE(change["changes"].is_array() && change["changes"].size() == 1) << change;
    const auto& first = change["changes"][0];
    EXPECT_EQ(first["change"], "moved") << change;
    EXPECT_EQ(first["reason"], "Speaker's flight delayed") << change;
    ASSERT_TRUE(first["session"].is_object()) << change;
    EXPECT_EQ(first["session"]["id"], move->session) << change;
    EXPECT_EQ(first["session"]["title"], move->title) << change;
    ASSERT_TRUE(first["session"]["starts_at"].is_string()) << change;
    EXPECT_EQ(local_part(first["session"]["starts_at"]), move->new_start) << change;

    auto after = programme(port(), id);
    EXPECT_EQ(after["schedule_version"], version + 1);
    const auto session = session_in(after, move->session);
    ASSERT_TRUE(session.is_object());
    EXPECT_EQ(local_part(session["starts_at"]), move->new_start) << session;
    EXPECT_EQ(first["session"]["starts_at"], session["starts_at"]) << "the push and GET disagree";
    EXPECT_EQ(first["session"]["ends_at"], session["ends_at"]) << "the push and GET disagree";

    // 2. A double booking: refused, nothing changes, nothing is pushed.
    const auto refused = session_command(move->clash_start, "Double-booked on purpose");
    EXPECT_NE(refused.exit_code, 0) << refused.output();
    EXPECT_TRUE(contains(refused.output(), "room_double_booked")) << refused.output();
    EXPECT_EQ(programme(port(), id)["schedule_version"], version + 1);

    // 3. Back to where it was. Had the refusal pushed anything, it would come first.
    const auto back = session_command(move->original_start, "Flight on time after all");
    ASSERT_EQ(back.exit_code, 0) << back.output();
    auto second = wait_for(client, is_schedule, "the second schedule change", &earlier);
    ASSERT_TRUE(second.is_object());
    for (const auto& m : earlier) EXPECT_TRUE(has_type(m, "seats")) << "between the changes: " << m.dump();
    EXPECT_EQ(second["version"], version + 2) << second;
    ASSERT_TRUE(second["changes"].is_array() && second["changes"].size() == 1) << second;
    EXPECT_EQ(second["changes"][0]["reason"], "Flight on time after all") << second;
    EXPECT_EQ(local_part(second["changes"][0]["session"]["starts_at"]), move->original_start) << second;
    EXPECT_GT(second["seq"].get<std::uint64_t>(), change["seq"].get<std::uint64_t>());
    EXPECT_EQ(programme(port(), id)["schedule_version"], version + 2);
}

// ---------------------------------------------------------------------------------------
// Resync after a reconnect

TEST_F(Live, AReconnectingClientGetsWhatItMissedInsteadOfASnapshot) {
    const auto id = event_id(port(), colloquium_slug);
    ASSERT_GT(id, 0);
    const auto topic = event_topic(id);
    // A count the first connection will have seen (a resync needs a last_seq above 0).
    ASSERT_EQ(register_delegate(port(), id, "resync-seen").value("status", ""), "confirmed");

    std::string epoch;
    std::uint64_t last_seq = 0;
    long long confirmed = -1;
    {
        WsClient first(port());
        ASSERT_TRUE(first.open()) << first.error();
        auto s = subscribe(first, topic);
        ASSERT_TRUE(s.ok());
        epoch = s.snapshot["epoch"].get<std::string>();
        last_seq = s.snapshot["seq"].get<std::uint64_t>();
        confirmed = confirmed_in(s.snapshot);
    }  // the connection is lost
    ASSERT_GT(last_seq, 0u);

    ASSERT_EQ(register_delegate(port(), id, "resync-1").value("status", ""), "confirmed");
    ASSERT_EQ(register_delegate(port(), id, "resync-2").value("status", ""), "confirmed");

    WsClient again(port());
    ASSERT_TRUE(again.open()) << again.error();
    ASSERT_TRUE(again.send_text(json{{"type", "subscribe"}, {"topic", topic}, {"epoch", epoch}, {"last_seq", last_seq}}.dump()));
    auto subscribed = next_json(again, "the answer to the resync");
    ASSERT_TRUE(has_type(subscribed, "subscribed")) << subscribed;
    EXPECT_EQ(subscribed["epoch"], epoch);
    const auto current = subscribed["seq"].get<std::uint64_t>();
    EXPECT_GE(current, last_seq + 2) << subscribed;

    // What was missed, in order, up to the newest count. (A client that is behind may get
    // only the newest value of a count: docs/live.md, `seats`.)
    std::vector<std::uint64_t> seqs;
    json newest;
    while (!newest.is_object()) {
        auto m = next_json(again, "the missed messages");
        ASSERT_TRUE(m.is_object());
        ASSERT_TRUE(has_type(m, "seats")) << "expected only the missed seats messages, got " << m.dump();
        EXPECT_EQ(m["topic"], topic);
        const auto seq = m["seq"].get<std::uint64_t>();
        EXPECT_GT(seq, seqs.empty() ? last_seq : seqs.back()) << "out of order: " << m.dump();
        EXPECT_LE(seq, current) << m.dump();
        seqs.push_back(seq);
        if (event_seats_on(topic)(m) && field(m, "confirmed") == confirmed + 2) newest = m;
    }
    std::string seen;
    for (const auto seq : seqs) seen += " " + std::to_string(seq);
    RecordProperty("missed_seqs", seen);
    std::cout << "[          ] resync after seq " << last_seq << " (current " << current << ") delivered seq" << seen << "\n";

    // Then live messages, with nothing (no snapshot) in between.
    ASSERT_EQ(register_delegate(port(), id, "resync-3").value("status", ""), "confirmed");
    auto live = next_json(again, "the next live count");
    ASSERT_TRUE(event_seats_on(topic)(live)) << live;
    EXPECT_EQ(live["confirmed"], confirmed + 3) << live;
    EXPECT_GT(live["seq"].get<std::uint64_t>(), current) << live;
}

TEST_F(Live, AResyncDeliversTheMissedMessagesInSeqOrder) {
    const auto id = event_id(port(), colloquium_slug);
    ASSERT_GT(id, 0);
    const auto topic = event_topic(id);
    const auto enrolment = enrolment_for(port(), id, "resync-order");
    ASSERT_TRUE(enrolment) << "no session of " << colloquium_slug << " to enrol in";

    std::string epoch;
    std::uint64_t last_seq = 0;
    {
        WsClient first(port());
        ASSERT_TRUE(first.open()) << first.error();
        auto s = subscribe(first, topic);
        ASSERT_TRUE(s.ok());
        epoch = s.snapshot["epoch"].get<std::string>();
        last_seq = s.snapshot["seq"].get<std::uint64_t>();
    }
    ASSERT_GT(last_seq, 0u) << "the delegate's registration was not counted on " << topic;
    // Missed: the event's count (seq n), a session's count (n + 1), the event's again (n + 2).
    ASSERT_EQ(register_delegate(port(), id, "resync-order-1").value("status", ""), "confirmed");
    const auto enrolled = enrol(port(), *enrolment);
    ASSERT_EQ(enrolled.status, 201) << enrolled.error << enrolled.body.substr(0, 300);
    ASSERT_EQ(register_delegate(port(), id, "resync-order-2").value("status", ""), "confirmed");

    WsClient again(port());
    ASSERT_TRUE(again.open()) << again.error();
    ASSERT_TRUE(again.send_text(json{{"type", "subscribe"}, {"topic", topic}, {"epoch", epoch}, {"last_seq", last_seq}}.dump()));
    ASSERT_TRUE(again.send_text(R"({"type": "ping"})"));
    auto messages = read_until_pong(again);
    ASSERT_FALSE(messages.empty());
    EXPECT_TRUE(has_type(messages.front(), "subscribed")) << messages.front();
    for (const auto& m : messages) EXPECT_FALSE(has_type(m, "snapshot")) << "a snapshot instead of the missed messages";
    const auto wrong = out_of_seq_order(messages, topic, last_seq);
    EXPECT_TRUE(wrong.empty()) << "the missed messages came out of seq order; a client that applies only newer seqs "
                               << "(as web/js/live.js does) drops them:" << lines(wrong);
    const bool session_count = std::any_of(messages.begin(), messages.end(), [&](const json& m) {
        return has_type(m, "seats") && field(m, "session") == enrolment->session;
    });
    EXPECT_TRUE(session_count) << "the session's new count was not among the missed messages";
}

TEST_F(Live, AResyncFromAnotherEpochOrBeyondTheLatestSeqGetsASnapshot) {
    const auto id = event_id(port(), colloquium_slug);
    ASSERT_GT(id, 0);
    const auto topic = event_topic(id);
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    auto s = subscribe(client, topic);
    ASSERT_TRUE(s.ok());
    const auto epoch = s.subscribed["epoch"].get<std::string>();
    const auto seq = s.subscribed["seq"].get<std::uint64_t>();

    const std::vector<std::pair<std::string, json>> cases = {
        {"another epoch", {{"epoch", "not-this-run"}, {"last_seq", seq}}},
        {"a last_seq far beyond the latest", {{"epoch", epoch}, {"last_seq", seq + 1000000}}},
        {"no epoch", {{"last_seq", seq}}},
        {"a last_seq that is not a number", {{"epoch", epoch}, {"last_seq", "12"}}},
    };
    for (const auto& [what, extra] : cases) {
        WsClient other(port());
        ASSERT_TRUE(other.open()) << other.error();
        auto again = subscribe(other, topic, extra);
        ASSERT_TRUE(again.ok()) << what;
        EXPECT_EQ(again.snapshot["seq"], again.subscribed["seq"]) << what;
        EXPECT_EQ(confirmed_in(again.snapshot), programme(port(), id)["confirmed"].get<long long>()) << what;
    }
}

// ---------------------------------------------------------------------------------------
// Bad handshakes and bad messages: a clear refusal, and the other clients carry on

TEST_F(LiveBadInput, APlainGetOfLiveIsRefusedWith426) {
    Watcher watcher(port(), event_id(port(), colloquium_slug));
    const auto r = get(port(), "/live");
    EXPECT_EQ(r.status, 426) << r.error << r.body;
    EXPECT_TRUE(is_json_error(r, "upgrade_required"));
    EXPECT_EQ(r.header("Upgrade"), "websocket");

    WsOptions plain;
    plain.upgrade = false;
    WsClient client(port(), plain);
    EXPECT_EQ(client.status(), 426) << client.error();
    EXPECT_TRUE(is_json_error(client.handshake(), "upgrade_required"));
    EXPECT_TRUE(watcher.still_served("plain-get"));
}

TEST_F(LiveBadInput, AForeignOriginIsRefusedWith403AndGetsNoSocket) {
    Watcher watcher(port(), event_id(port(), colloquium_slug));
    WsOptions options;
    options.origin = "https://evil.example";
    WsClient client(port(), options);
    EXPECT_FALSE(client.open());
    EXPECT_EQ(client.status(), 403) << client.error();
    EXPECT_TRUE(is_json_error(client.handshake(), "origin_refused"));
    EXPECT_TRUE(client.server_closes_within(message_wait)) << "the refused connection stays open";

    // The same host on another port, or another scheme's default port, is another origin.
    for (const std::string& origin : {"http://127.0.0.1:" + std::to_string(port() + 1), std::string("http://127.0.0.1"),
                                     std::string("null")}) {
        WsOptions o;
        o.origin = origin;
        WsClient other(port(), o);
        EXPECT_EQ(other.status(), 403) << "Origin: " << origin << ": " << other.error();
    }
    EXPECT_TRUE(watcher.still_served("foreign-origin"));
}

TEST_F(LiveBadInput, TheServersOwnOriginAndNoOriginAreAccepted) {
    const auto id = event_id(port(), colloquium_slug);
    for (const std::optional<std::string>& origin :
         {std::optional<std::string>("http://127.0.0.1:" + std::to_string(port())), std::optional<std::string>()}) {
        WsOptions options;
        options.origin = origin;
        WsClient client(port(), options);
        const auto what = origin ? "Origin: " + *origin : std::string("no Origin");
        ASSERT_EQ(client.status(), 101) << what << ": " << client.error() << " " << client.handshake().body;
        EXPECT_TRUE(client.open()) << what;
        EXPECT_EQ(client.handshake().header("Upgrade"), "websocket") << what;
        EXPECT_TRUE(subscribe(client, event_topic(id)).ok()) << what;
    }
}

TEST_F(LiveBadInput, InvalidJsonIsAnInvalidMessageAndTheConnectionStaysOpen) {
    const auto id = event_id(port(), colloquium_slug);
    Watcher watcher(port(), id);
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    ASSERT_TRUE(client.send_text("{\"type\": \"subscribe\", \"topic\": "));
    auto error = next_json(client, "the answer to invalid JSON");
    EXPECT_TRUE(has_type(error, "error")) << error;
    EXPECT_EQ(error["code"], "invalid_message") << error;
    EXPECT_TRUE(error["message"].is_string() && !error["message"].get<std::string>().empty()) << error;
    EXPECT_TRUE(client.open());
    EXPECT_TRUE(subscribe(client, event_topic(id)).ok()) << "a valid subscribe after the invalid message";
    EXPECT_TRUE(watcher.still_served("invalid-json"));
}

TEST_F(LiveBadInput, ArraysMissingOrUnknownTypesAreInvalidMessages) {
    const auto id = event_id(port(), colloquium_slug);
    Watcher watcher(port(), id);
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    for (const std::string& text : {std::string(R"([{"type": "subscribe", "topic": "event:1"}])"),
                                   std::string(R"({"topic": "event:1"})"),
                                   std::string(R"({"type": "subscribe-everything", "topic": "event:1"})"),
                                   std::string(R"({"type": 7, "topic": "event:1"})"),
                                   std::string(R"("subscribe")"),
                                   std::string("")}) {
        ASSERT_TRUE(client.send_text(text));
        auto error = next_json(client, "the answer to " + text);
        EXPECT_TRUE(has_type(error, "error")) << text << " -> " << error;
        EXPECT_EQ(error["code"], "invalid_message") << text << " -> " << error;
    }
    EXPECT_TRUE(subscribe(client, event_topic(id)).ok()) << "a valid subscribe after the invalid messages";
    EXPECT_TRUE(watcher.still_served("invalid-type"));
}

TEST_F(LiveBadInput, ABinaryFrameIsAnInvalidMessage) {
    const auto id = event_id(port(), colloquium_slug);
    Watcher watcher(port(), id);
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    ASSERT_TRUE(client.send_binary(subscribe_message(event_topic(id))));
    auto error = next_json(client, "the answer to a binary frame");
    EXPECT_TRUE(has_type(error, "error")) << error;
    EXPECT_EQ(error["code"], "invalid_message") << error;
    EXPECT_TRUE(subscribe(client, event_topic(id)).ok()) << "a valid subscribe after the binary frame";
    EXPECT_TRUE(watcher.still_served("binary"));
}

TEST_F(LiveBadInput, AMessageOfExactly4KiBIsAcceptedAndALargerOneClosesWith1009) {
    const auto id = event_id(port(), colloquium_slug);
    Watcher watcher(port(), id);

    WsClient fits(port());
    ASSERT_TRUE(fits.open()) << fits.error();
    auto message = json{{"type", "subscribe"}, {"topic", event_topic(id)}, {"padding", ""}};
    message["padding"] = std::string(4096 - message.dump().size(), 'x');
    ASSERT_EQ(message.dump().size(), 4096u);
    ASSERT_TRUE(fits.send_text(message.dump()));
    auto answer = next_json(fits, "the answer to a 4096-byte subscribe");
    EXPECT_TRUE(has_type(answer, "subscribed")) << answer;

    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    client.send_text(std::string(4097, ' '));  // the server may close before it has read it all
    const auto m = client.receive(message_wait);
    ASSERT_TRUE(m.is_close()) << "expected a close 1009, got " << m.describe();
    EXPECT_EQ(m.close_code, 1009) << m.describe();
    EXPECT_TRUE(still_serving(port()));
    EXPECT_TRUE(watcher.still_served("oversized"));
}

TEST_F(LiveBadInput, UnknownTopicsAreRefused) {
    const auto id = event_id(port(), colloquium_slug);
    Watcher watcher(port(), id);
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    for (const char* text : {"event:999999", "session:999999", "bogus", "event:", "event:0", "event:-3", "event:abc",
                             "event:1x", "Event:1", "venue:1", ""}) {
        const std::string topic = text;
        ASSERT_TRUE(client.send_text(subscribe_message(topic)));
        auto error = wait_for(client, [](const json& m) { return has_type(m, "error"); }, "the refusal of \"" + topic + "\"");
        ASSERT_TRUE(error.is_object());
        EXPECT_EQ(error["code"], "unknown_topic") << topic << " -> " << error;
        if (!topic.empty()) {
            EXPECT_EQ(error.value("topic", ""), topic) << error;
        }
    }
    ASSERT_TRUE(client.send_text(R"({"type": "subscribe"})"));
    auto no_topic = next_json(client, "the answer to a subscribe without a topic");
    EXPECT_EQ(no_topic.value("code", ""), "unknown_topic") << no_topic;

    // A resync does not skip the check: this run's epoch and a seq for a topic that is nothing.
    auto held = subscribe(client, event_topic(id));
    ASSERT_TRUE(held.ok());
    for (const std::uint64_t last_seq : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{5}}) {
        const json resync = {{"type", "subscribe"}, {"topic", "event:999999"}, {"epoch", held.subscribed["epoch"]},
                             {"last_seq", last_seq}};
        ASSERT_TRUE(client.send_text(resync.dump()));
        std::vector<json> before;
        auto error = wait_for(client, [](const json& m) { return has_type(m, "error"); }, "the refusal of " + resync.dump(),
                                    &before);
        ASSERT_TRUE(error.is_object());
        EXPECT_EQ(error["code"], "unknown_topic") << resync.dump() << " -> " << error;
        for (const auto& m : before)
            EXPECT_TRUE(has_type(m, "subscribed")) << resync.dump() << " was answered with " << m.dump();
    }
    EXPECT_TRUE(subscribe(client, event_topic(id)).ok()) << "a valid subscribe after the refusals";
    EXPECT_TRUE(watcher.still_served("unknown-topic"));
}

TEST_F(LiveBadInput, The65thSubscriptionIsRefused) {
    const auto id = event_id(port(), colloquium_slug);
    Watcher watcher(port(), id);
    // 65+ topics that exist: every event, then the sessions of the Hyderabad congress.
    std::vector<std::string> topics;
    auto list = get_json(port(), "/api/events");
    for (const auto& e : list["events"]) topics.push_back(event_topic(e["id"].get<long long>()));
    auto congress = programme(port(), event_id(port(), hyderabad_slug));
    for (const auto& s : congress["sessions"]) topics.push_back("session:" + std::to_string(s["id"].get<long long>()));
    ASSERT_GE(topics.size(), 66u);

    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    // 64 subscribes, then the 65th. Past the burst of 40, slower than 20 a second, so that
    // the rate limit is not what refuses them.
    std::size_t sent = 0;
    auto pace = [&] {
        if (++sent > 30) std::this_thread::sleep_for(75ms);
    };
    for (std::size_t i = 0; i < 64; ++i) {
        pace();
        ASSERT_TRUE(subscribe(client, topics[i]).ok()) << "subscription " << i + 1 << " (" << topics[i] << ")";
    }
    pace();
    ASSERT_TRUE(client.send_text(subscribe_message(topics[64])));
    auto error = next_json(client, "the answer to the 65th subscribe");
    EXPECT_TRUE(has_type(error, "error")) << error;
    EXPECT_EQ(error["code"], "too_many_subscriptions") << error;
    EXPECT_EQ(error.value("topic", ""), topics[64]) << error;

    // Subscribing again to a held topic is no new subscription; after an unsubscribe there
    // is room for one more.
    pace();
    EXPECT_TRUE(subscribe(client, topics[0]).ok()) << "resubscribing to a held topic";
    pace();
    ASSERT_TRUE(client.send_text(json{{"type", "unsubscribe"}, {"topic", topics[1]}}.dump()));
    pace();
    EXPECT_TRUE(subscribe(client, topics[64]).ok()) << "the 65th topic after an unsubscribe";
    EXPECT_TRUE(watcher.still_served("subscriptions"));
}

TEST_F(LiveBadInput, AFloodIsRateLimitedAndThenClosedWith1008) {
    Watcher watcher(port(), event_id(port(), colloquium_slug));
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    std::string flood;
    for (int i = 0; i < 300; ++i) flood += ws_frame(WsClient::op_text, R"({"type": "ping"})");
    client.send_raw(flood);  // the server may close before it has read it all

    int pongs = 0, rate_limited = 0;
    WsMessage m;
    for (;;) {
        m = client.receive(message_wait);
        if (!m.is_text()) break;
        const auto message = parse_json(m.data);
        if (has_type(message, "pong")) ++pongs;
        else if (has_type(message, "error") && message["code"] == "rate_limited") ++rate_limited;
        else ADD_FAILURE() << "unexpected during the flood: " << m.data;
    }
    EXPECT_GT(pongs, 0);
    EXPECT_GT(rate_limited, 0) << "no rate_limited error before the close";
    ASSERT_TRUE(m.is_close()) << "expected a close 1008 after " << pongs << " pong(s) and " << rate_limited
                              << " rate_limited error(s), got " << m.describe();
    EXPECT_EQ(m.close_code, 1008) << m.describe();
    EXPECT_TRUE(watcher.still_served("flood"));
}

// ---------------------------------------------------------------------------------------
// Clients that stop reading

// A client that stops reading: small receive buffer, small segments (see WsOptions).
WsOptions stalled_reader() {
    WsOptions options;
    options.receive_buffer = 1;  // the kernel makes it its smallest (about 2 KB)
    options.max_segment = 536;
    return options;
}

TEST_F(LiveSlowClient, AClientBehindOnSeatCountsIsNotClosedAndCatchesUpWithTheLatestCount) {
    const auto id = event_id(port(), hyderabad_slug);
    ASSERT_GT(id, 0);
    const auto topic = event_topic(id);
    WsClient slow(port(), stalled_reader());
    ASSERT_TRUE(slow.open()) << slow.error();
    auto s = subscribe(slow, topic);
    ASSERT_TRUE(s.ok());
    const auto before = confirmed_in(s.snapshot);

    constexpr int registrations = 300;
    for (int i = 0; i < registrations; ++i)
        ASSERT_EQ(register_delegate(port(), id, "behind-" + std::to_string(i)).value("status", ""), "confirmed") << i;

    // Only seats messages, newer and newer, up to the latest count; no close.
    int received = 0;
    std::uint64_t last = s.snapshot["seq"].get<std::uint64_t>();
    json latest;
    while (!latest.is_object()) {
        auto m = next_json(slow, "the counts after " + std::to_string(received) + " message(s)");
        ASSERT_TRUE(m.is_object()) << "the slow client was closed or left without the latest count";
        ASSERT_TRUE(has_type(m, "seats")) << m;
        EXPECT_GT(m["seq"].get<std::uint64_t>(), last) << m;
        last = m["seq"].get<std::uint64_t>();
        if (event_seats_on(topic)(m)) {
            ++received;
            if (field(m, "confirmed") == before + registrations) latest = m;
        }
    }
    EXPECT_TRUE(slow.open());
    std::cout << "[          ] the stalled client got " << received << " of " << registrations << " event counts\n";
    // Fewer than were published: older queued counts were replaced by newer ones (unless the
    // socket buffers held them all, which small segments make unlikely).
    EXPECT_LE(received, registrations);
}

TEST_F(LiveSlowClient, AClientBehindOnAnEventAndOneOfItsSessionsGetsTheSessionCountOnBothTopics) {
    const auto id = event_id(port(), medellin_slug);
    ASSERT_GT(id, 0);
    const auto enrolment = enrolment_for(port(), id, "two-topics");
    ASSERT_TRUE(enrolment) << "no session of " << medellin_slug << " to enrol in";
    const auto topic = event_topic(id);
    const auto session_topic = "session:" + std::to_string(enrolment->session);

    // One client on the event and on one of its sessions, as a programme page might be.
    WsClient slow(port(), stalled_reader());
    ASSERT_TRUE(slow.open()) << slow.error();
    auto on_event = subscribe(slow, topic);
    auto on_session = subscribe(slow, session_topic);
    ASSERT_TRUE(on_event.ok() && on_session.ok());
    const auto before = confirmed_in_session(on_session.snapshot, enrolment->session);
    ASSERT_GE(before, 0) << on_session.snapshot;

    // It falls behind; then a place in the session is taken.
    const auto behind = fall_behind(slow, port());
    if (!behind) GTEST_SKIP() << behind.message();
    const auto enrolled = enrol(port(), *enrolment);
    ASSERT_EQ(enrolled.status, 201) << enrolled.error << enrolled.body.substr(0, 300);

    bool on_event_topic = false, on_session_topic = false;
    read_pushes_until(slow, [&](const std::vector<json>& messages) {
        for (const auto& m : messages)
            if (has_type(m, "seats") && field(m, "session") == enrolment->session && field(m, "confirmed") == before + 1)
                (field(m, "topic") == topic ? on_event_topic : on_session_topic) = true;
        return on_event_topic && on_session_topic;
    });
    EXPECT_TRUE(on_session_topic) << "the new count of session " << enrolment->session << " never came on " << session_topic;
    EXPECT_TRUE(on_event_topic) << "the new count of session " << enrolment->session << " never came on " << topic
                                << ": the two messages (same count, different topics) replaced each other in the "
                                << "client's queue";
}

TEST_F(LiveSlowClient, AClientBehindStillGetsATopicsMessagesInSeqOrder) {
    const auto id = event_id(port(), medellin_slug);
    ASSERT_GT(id, 0);
    const auto enrolment = enrolment_for(port(), id, "in-order");
    ASSERT_TRUE(enrolment) << "no session of " << medellin_slug << " to enrol in";
    const auto topic = event_topic(id);

    WsClient slow(port(), stalled_reader());
    ASSERT_TRUE(slow.open()) << slow.error();
    auto s = subscribe(slow, topic);
    ASSERT_TRUE(s.ok());

    // While it is behind: the event's count moves (seq n), then a session's (n + 1), then
    // the event's again (n + 2).
    const auto behind = fall_behind(slow, port());
    if (!behind) GTEST_SKIP() << behind.message();
    ASSERT_EQ(register_delegate(port(), id, "order-1").value("status", ""), "confirmed");
    const auto enrolled = enrol(port(), *enrolment);
    ASSERT_EQ(enrolled.status, 201) << enrolled.error << enrolled.body.substr(0, 300);
    ASSERT_EQ(register_delegate(port(), id, "order-2").value("status", ""), "confirmed");

    // The three changes made seqs n, n + 1 and n + 2 (n - 1 in the snapshot); older counts
    // may have been replaced by newer ones, so wait for the newest.
    const auto first = s.snapshot["seq"].get<std::uint64_t>();
    const auto messages = read_pushes_until(slow, [&](const std::vector<json>& ms) {
        return std::any_of(ms.begin(), ms.end(), [&](const json& m) {
            return m.value("topic", "") == topic && has_type(m, "seats") && m.value("seq", std::uint64_t{0}) >= first + 3;
        });
    });
    const auto wrong = out_of_seq_order(messages, topic, first);
    EXPECT_TRUE(wrong.empty()) << "messages of " << topic << " came out of seq order; a client that applies only "
                               << "newer seqs (as web/js/live.js does) drops them:" << lines(wrong);
    const bool session_count = std::any_of(messages.begin(), messages.end(), [&](const json& m) {
        return has_type(m, "seats") && m.value("topic", "") == topic && field(m, "session") == enrolment->session;
    });
    EXPECT_TRUE(session_count) << "the session's new count never came on " << topic;
}

TEST_F(LiveSlowClient, AClientTooFarBehindIsClosedWith4001AndTheOthersCarryOn) {
    const auto id = event_id(port(), seoul_urban_slug);
    ASSERT_GT(id, 0);
    const auto topic = event_topic(id);
    // Fill the event, then a waiting list of 40 delegates (as many subscriptions as the
    // message burst allows at once).
    auto event = programme(port(), id);
    ASSERT_EQ(event["waitlisted"], 0) << "another test uses " << seoul_urban_slug;
    std::vector<std::string> confirmed, waiting;
    for (long long i = event["confirmed"].get<long long>(); i < event["capacity"].get<long long>(); ++i) {
        auto r = register_delegate(port(), id, "full-" + std::to_string(i));
        ASSERT_EQ(r.value("status", ""), "confirmed") << r;
        confirmed.push_back(r["code"].get<std::string>());
    }
    for (int i = 0; i < 40; ++i) {
        auto r = register_delegate(port(), id, "queue-" + std::to_string(i));
        ASSERT_EQ(r.value("status", ""), "waitlisted") << r;
        waiting.push_back(r["code"].get<std::string>());
    }

    WsClient healthy(port());
    ASSERT_TRUE(healthy.open()) << healthy.error();
    ASSERT_TRUE(subscribe(healthy, topic).ok());

    // The slow client watches every waiting delegate's registration, then stops reading.
    // Each cancellation moves every one of them up the list: one `registration` message
    // per delegate, which (unlike seat counts) do not replace each other in the queue.
    WsClient slow(port(), stalled_reader());
    ASSERT_TRUE(slow.open()) << slow.error();
    std::string subscribes;
    for (const auto& code : waiting) subscribes += ws_frame(WsClient::op_text, subscribe_message("registration:" + code));
    ASSERT_TRUE(slow.send_raw(subscribes));

    const std::string closed_line = "closing a client that fell behind";
    std::size_t cancelled = 0;
    while (cancelled < confirmed.size() && !contains(server().log(), closed_line)) {
        const auto r = cancel_registration(port(), confirmed[cancelled]);
        ASSERT_EQ(r.status, 200) << r.error << r.body.substr(0, 300);
        ++cancelled;
    }
    // The close is decided on the server's side of the socket; give it a bounded while.
    for (int i = 0; i < 100 && !contains(server().log(), closed_line); ++i) std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(contains(server().log(), closed_line))
        << "the server never closed the stalled client (" << cancelled << " cancellations)";

    // Reading again, the slow client gets what was on the wire, then the close.
    int messages = 0;
    WsMessage m;
    for (;;) {
        m = slow.receive(message_wait);
        if (!m.is_text()) break;
        ++messages;
    }
    std::cout << "[          ] " << cancelled << " cancellation(s); the stalled client then read " << messages
              << " message(s) and " << m.describe() << "\n";
    ASSERT_TRUE(m.is_close() || m.kind == WsMessage::Kind::eof) << "expected a close 4001, got " << m.describe();
    if (m.is_close()) {
        EXPECT_EQ(m.close_code, 4001) << m.describe();
    }

    // The healthy client is told of the latest counts.
    auto now = programme(port(), id);
    auto seats = wait_for(
        healthy,
        [&](const json& msg) {
            return event_seats_on(topic)(msg) && field(msg, "confirmed") == now["confirmed"] && field(msg, "waitlisted") == now["waitlisted"];
        },
        "the latest count (" + now["confirmed"].dump() + " confirmed, " + now["waitlisted"].dump() + " waiting)");
    EXPECT_TRUE(seats.is_object());
    EXPECT_TRUE(healthy.open());
}

// ---------------------------------------------------------------------------------------
// The WebSocket protocol itself (RFC 6455), after the handshake

TEST_F(LiveBadInput, AProtocolPingIsAnsweredWithAPongCarryingTheSameData) {
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    ASSERT_TRUE(client.send_frame(WsClient::op_ping, "are you there"));
    // Read the raw frame: receive() would swallow a pong.
    std::string frame;
    ASSERT_TRUE(client.read_raw_frame(frame, message_wait)) << client.error();
    ASSERT_GE(frame.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0x8A) << "a final, unmasked pong";
    EXPECT_EQ(frame.substr(2), "are you there");
}

TEST_F(LiveBadInput, AFragmentedMessageIsReassembled) {
    const auto id = event_id(port(), colloquium_slug);
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    const auto whole = subscribe_message(event_topic(id));
    const auto half = whole.size() / 2;
    ASSERT_TRUE(client.send_frame(WsClient::op_text, whole.substr(0, half), false));
    ASSERT_TRUE(client.send_frame(WsClient::op_ping, ""));  // a control frame may come between fragments
    ASSERT_TRUE(client.send_frame(WsClient::op_continuation, whole.substr(half), true));
    auto answer = next_json(client, "the answer to a fragmented subscribe");
    EXPECT_TRUE(has_type(answer, "subscribed")) << answer;
}

TEST_F(LiveBadInput, InvalidUtf8InATextFrameClosesWith1007) {
    const auto id = event_id(port(), colloquium_slug);
    Watcher watcher(port(), id);
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    ASSERT_TRUE(client.send_text("{\"type\": \"subscribe\", \"topic\": \"caf\xC3\"}"));
    const auto m = client.receive(message_wait);
    ASSERT_TRUE(m.is_close()) << "expected a close 1007, got " << m.describe();
    EXPECT_EQ(m.close_code, 1007) << m.describe();
    EXPECT_TRUE(watcher.still_served("invalid-utf8"));
}

TEST_F(LiveBadInput, AnUnmaskedOrReservedBitFrameClosesWith1002) {
    const auto id = event_id(port(), colloquium_slug);
    Watcher watcher(port(), id);
    {
        WsClient client(port());
        ASSERT_TRUE(client.open()) << client.error();
        ASSERT_TRUE(client.send_raw(std::string("\x81\x02hi", 4)));  // a client frame without a mask
        const auto m = client.receive(message_wait);
        ASSERT_TRUE(m.is_close()) << "expected a close 1002, got " << m.describe();
        EXPECT_EQ(m.close_code, 1002) << m.describe();
    }
    {
        WsClient client(port());
        ASSERT_TRUE(client.open()) << client.error();
        ASSERT_TRUE(client.send_raw(std::string("\xC1\x82\0\0\0\0hi", 8)));  // RSV1 set, no extension agreed
        const auto m = client.receive(message_wait);
        ASSERT_TRUE(m.is_close()) << "expected a close 1002, got " << m.describe();
        EXPECT_EQ(m.close_code, 1002) << m.describe();
    }
    EXPECT_TRUE(watcher.still_served("protocol-errors"));
}

TEST_F(LiveBadInput, TheServersCloseAnswersTheClientsCloseWithTheSameCode) {
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    ASSERT_TRUE(client.send_close(4321, "bye"));
    const auto m = client.receive(message_wait);
    ASSERT_TRUE(m.is_close()) << m.describe();
    EXPECT_EQ(m.close_code, 4321) << m.describe();
    EXPECT_TRUE(client.server_closes_within(message_wait));
}

struct ShortIdleServer {
    static ServerOptions make() {
        ServerOptions options;
        options.extra_args = {"--live-idle-timeout", "2"};
        return options;
    }
};
class LiveKeepAlive : public SharedServerTest<ShortIdleServer> {};

TEST_F(LiveKeepAlive, AQuietClientIsPingedAndStaysOpenWhileItAnswers) {
    const auto id = event_id(port(), colloquium_slug);
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    ASSERT_TRUE(subscribe(client, event_topic(id)).ok());
    // receive() answers the server's pings; nothing else arrives for three idle timeouts.
    const auto m = client.receive(std::chrono::milliseconds(6000));
    EXPECT_EQ(m.kind, WsMessage::Kind::timeout) << m.describe();
    EXPECT_GE(client.pings_received(), 2) << "the server pings at half the idle timeout";
    EXPECT_TRUE(client.open());
    ASSERT_TRUE(client.send_text(R"({"type": "ping"})"));
    auto pong = next_json(client, "the answer after the quiet time");
    EXPECT_TRUE(has_type(pong, "pong")) << pong;
}

TEST_F(LiveKeepAlive, AClientThatAnswersNothingIsCutOffAfterTheIdleTimeout) {
    const auto id = event_id(port(), colloquium_slug);
    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    ASSERT_TRUE(subscribe(client, event_topic(id)).ok());
    // A dead peer: its kernel still acknowledges, but no pong ever comes back.
    std::this_thread::sleep_for(std::chrono::milliseconds(3500));
    EXPECT_TRUE(client.server_closes_within(std::chrono::milliseconds(3000)));
    EXPECT_TRUE(still_serving(port()));
}

// ---------------------------------------------------------------------------------------
// Shutdown

TEST(LiveShutdown, SigtermClosesLiveClientsWith1001AndTheServerExitsZero) {
    std::unique_ptr<ServerProcess> server;
    try {
        server = std::make_unique<ServerProcess>(LiveServer::make());
    } catch (const std::exception& e) {
        FAIL() << "the congress server did not start: " << e.what();
    }
    const auto id = event_id(server->port(), colloquium_slug);
    WsClient client(server->port());
    ASSERT_TRUE(client.open()) << client.error();
    ASSERT_TRUE(subscribe(client, event_topic(id)).ok());

    server->signal(SIGTERM);
    WsMessage m;
    do m = client.receive(message_wait);
    while (m.is_text());
    EXPECT_TRUE(m.is_close()) << "expected a close 1001, got " << m.describe();
    EXPECT_EQ(m.close_code, 1001) << m.describe();
    const auto status = server->wait_exit(std::chrono::seconds(30));
    EXPECT_EQ(status, std::optional<int>(0)) << server->log();
}

}  // namespace
}  // namespace congress::it
