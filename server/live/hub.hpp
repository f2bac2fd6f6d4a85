// The live hub: topics ("event:27", "session:301", "registration:<code>"), a sequence number
// per topic, a short log per topic for clients that reconnect, and fan-out to subscribers.
//
// A message is serialised once per broadcast. The subscriber list is copied under the lock
// and written to outside it; each subscriber queues what it gets on its own bounded queue
// (see net/ws_session). No Beast or Asio here.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace congress::live {

struct Outgoing {
    std::string topic;
    std::uint64_t seq = 0;
    std::shared_ptr<const std::string> text;
    // Messages with the same non-empty key replace each other in a client's queue: only the
    // newest seat count matters.
    std::string coalesce_key;
};

class Subscriber {
public:
    virtual ~Subscriber() = default;
    // Called from any thread, outside the hub's lock.
    virtual void deliver(const Outgoing& message) = 0;
};

struct HubOptions {
    std::size_t resync_depth = 256;  // messages kept per topic for reconnecting clients
};

class Hub {
public:
    explicit Hub(HubOptions options = {});

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

private:
    struct Topic {
        std::uint64_t seq = 0;
        std::deque<Outgoing> log;
        std::unordered_map<const Subscriber*, std::weak_ptr<Subscriber>> subscribers;
    };

    HubOptions options_;
    std::string epoch_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Topic> topics_;
};

}  // namespace congress::live
