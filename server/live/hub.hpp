// The live hub: topics ("event:27", "session:301", "registration:<code>"), a sequence number
// per topic, a short log per topic for clients that reconnect, and fan-out to subscribers.
//
// A message is serialised once per broadcast. The subscriber list is copied under the lock
// and written to outside it; each subscriber queues what it gets on its own bounded queue
// (see net/ws_session). No Beast or Asio here.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>


namespace congress::live {

struct Outgoing {
    std::string topic;
    std::uint64_t seq = 0;
    std::shared_ptr<const std::string> text;   // the JSON message
    // The bytes every subscriber is sent for it, made once by the hub's wire (null without one:
    // the subscriber makes them).
    std::shared_ptr<const std::string> frame;
    // Messages with the same non-empty key replace each other in a client's queue: only the
    // newest seat count matters. Prefixed with the topic by publish(): keys are per topic.
    std::string coalesce_key;
};

class Subscriber {
public:
    virtual ~Subscriber() = default;
    // Called outside the hub's lock: on the hub's delivery thread when it has one, else on
    // the publishing thread. A topic's messages are delivered in seq order.
    virtual void deliver(const Outgoing& message) = 0;

    // For a batched broadcast (a Broadcaster of the wire): the same as deliver(), except that when the
    // whole frame could be sent to the socket at once, the subscriber returns the socket's
    // descriptor instead, keeps its own lock, and the batcher sends message.frame on it and
    // calls complete_send with what send() would have returned (bytes taken, or -errno),
    // from the same thread. Returns -1 when deliver() has done everything already.
    virtual int prepare_send(const Outgoing& message) {
        deliver(message);
        return -1;
    }
    virtual void complete_send(const Outgoing& /*message*/, long /*result*/) {}
};

// One broadcast to many subscribers at once (the network layer's batched send).
class Broadcaster {
public:
    virtual ~Broadcaster() = default;
    // Offers `message` to every receiver, as Subscriber::deliver would; every receiver whose
    // prepare_send returned a socket gets exactly one complete_send.
    virtual void deliver(const Outgoing& message, const std::vector<std::shared_ptr<Subscriber>>& receivers) = 0;
};

// What the network layer lends the hub (net/wire.hpp): how a message becomes the bytes its
// subscribers are sent, and a broadcaster for the delivery thread. The hub knows topics,
// sequence numbers and queues; the bytes are the wire's.
class Wire {
public:
    virtual ~Wire() = default;
    virtual std::string frame(std::string_view text) const = 0;
    // Null when there is none (the delivery thread then calls deliver() once per subscriber).
    virtual std::unique_ptr<Broadcaster> broadcaster() const = 0;
};

struct HubOptions {
    std::size_t resync_depth = 256;  // messages kept per topic for reconnecting clients
    // Deliver on a thread of the hub's own, so that publish() returns at once (the database
    // writer publishes after each commit and must not wait for thousands of sockets).
    bool delivery_thread = false;
    // Frames each message once, and (with a delivery thread) broadcasts them. None: messages
    // carry no frame and each subscriber is delivered to one by one (unit tests).
    std::shared_ptr<const Wire> wire;
};

class Hub {
public:
    explicit Hub(HubOptions options = {});
    // Delivers what is already published, then stops the delivery thread.
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    // Names this server run; sequence numbers are only comparable within one epoch.
    const std::string& epoch() const { return epoch_; }

    // Adds topic, seq and epoch to `body`, serialises it once and offers it to every
    // subscriber of the topic. Returns the sequence number.
    std::uint64_t publish(const std::string& topic, nlohmann::json body, std::string coalesce_key = {});

    void subscribe(const std::string& topic, const std::shared_ptr<Subscriber>& subscriber);
    void unsubscribe(const std::string& topic, const Subscriber* subscriber);

    bool has_subscribers(const std::string& topic) const;
    std::uint64_t current_seq(const std::string& topic) const;
    // The messages after `last_seq`, or nullopt if some of them are no longer kept.
    std::optional<std::vector<Outgoing>> since(const std::string& topic, std::uint64_t last_seq) const;
    // Topics with at least one subscriber that start with `prefix`.
    std::vector<std::string> subscribed_topics(const std::string& prefix) const;
    std::size_t subscriptions() const;
    // Broadcasts waiting for the delivery thread, and how many were replaced there by a
    // newer message with the same coalesce key before they went out (for tests and logs).
    std::size_t queued_deliveries() const;
    std::uint64_t superseded_deliveries() const;

private:
    struct Topic {
        std::uint64_t seq = 0;
        std::deque<Outgoing> log;
        std::unordered_map<const Subscriber*, std::weak_ptr<Subscriber>> subscribers;
    };

    struct Delivery {
        Outgoing message;
        std::vector<std::shared_ptr<Subscriber>> receivers;
        bool superseded = false;  // a newer message with the same coalesce key is queued
    };
    void deliver_loop();
    void deliver(const Delivery& delivery);

    HubOptions options_;
    std::string epoch_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Topic> topics_;

    // Broadcasts waiting for the delivery thread, in publish order.
    mutable std::mutex delivery_mutex_;
    std::condition_variable delivery_ready_;
    std::deque<Delivery> deliveries_;
    // The queued delivery of each coalesce key: a newer one supersedes it, so that a burst of
    // seat counts faster than the sockets take them keeps one broadcast per count, not one
    // (with a copy of the subscriber list) per commit.
    std::unordered_map<std::string, Delivery*> queued_by_key_;
    std::size_t queued_ = 0;           // deliveries waiting, superseded ones not counted
    std::uint64_t superseded_ = 0;
    bool stopping_ = false;
    std::unique_ptr<Broadcaster> batcher_;  // only used on the delivery thread
    std::thread delivery_thread_;
};

}  // namespace congress::live
