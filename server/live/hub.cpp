#include "live/hub.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "util/random.hpp"

namespace congress::live {

namespace {

// When the change was published (just after its commit), RFC 3339 UTC with milliseconds.
std::string now_rfc3339_ms() {
    const auto now = std::chrono::system_clock::now();
    const auto seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[48];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
    return text;
}

}  // namespace

Hub::Hub(HubOptions options) : options_(options), epoch_(util::random_code().substr(0, 12)) {
    if (options_.delivery_thread) {
        if (options_.wire) batcher_ = options_.wire->broadcaster();
        delivery_thread_ = std::thread([this] { deliver_loop(); });
    }
}

Hub::~Hub() {
    if (!delivery_thread_.joinable()) return;
    {
        std::lock_guard lock(delivery_mutex_);
        stopping_ = true;
    }
    delivery_ready_.notify_one();
    delivery_thread_.join();
}

void Hub::deliver_loop() {
    std::unique_lock lock(delivery_mutex_);
    for (;;) {
        delivery_ready_.wait(lock, [this] { return stopping_ || !deliveries_.empty(); });
        if (deliveries_.empty()) return;  // stopping, and everything published went out
        Delivery next = std::move(deliveries_.front());
        deliveries_.pop_front();
        if (next.superseded) continue;
        --queued_;
        if (!next.message.coalesce_key.empty()) queued_by_key_.erase(next.message.coalesce_key);
        lock.unlock();
        deliver(next);
        next.receivers.clear();  // the last reference to a closed session may go here
        lock.lock();
    }
}

void Hub::deliver(const Delivery& delivery) {
    if (batcher_ && delivery.receivers.size() > 1) {
        batcher_->deliver(delivery.message, delivery.receivers);
        return;
    }
    for (const auto& receiver : delivery.receivers) receiver->deliver(delivery.message);
}

std::uint64_t Hub::publish(const std::string& topic, nlohmann::json body, std::string coalesce_key) {
    std::vector<std::shared_ptr<Subscriber>> receivers;
    Outgoing message;
    {
        std::lock_guard lock(mutex_);
        auto& t = topics_[topic];
        message.topic = topic;
        message.seq = ++t.seq;
        if (!coalesce_key.empty()) message.coalesce_key = topic + '|' + coalesce_key;
        body["topic"] = topic;
        body["seq"] = message.seq;
        body["epoch"] = epoch_;
        body["at"] = now_rfc3339_ms();
        auto text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (options_.wire) message.frame = std::make_shared<const std::string>(options_.wire->frame(text));
        message.text = std::make_shared<const std::string>(std::move(text));
        t.log.push_back(message);
        while (t.log.size() > options_.resync_depth) t.log.pop_front();
        receivers.reserve(t.subscribers.size());
        for (auto it = t.subscribers.begin(); it != t.subscribers.end();) {
            if (auto strong = it->second.lock()) {
                receivers.push_back(std::move(strong));
                ++it;
            } else {
                it = t.subscribers.erase(it);
            }
        }
        if (options_.delivery_thread && !receivers.empty()) {
            // Queued under the hub's lock so that each topic's messages leave in seq order.
            std::lock_guard queue_lock(delivery_mutex_);
            deliveries_.push_back(Delivery{message, std::move(receivers)});
            ++queued_;
            if (!message.coalesce_key.empty()) {
                auto& queued = queued_by_key_[message.coalesce_key];
                if (queued) {  // still waiting: it will not go out, and frees its list now
                    queued->superseded = true;
                    queued->receivers = {};
                    queued->message = {};
                    --queued_;
                    ++superseded_;
                }
                queued = &deliveries_.back();  // deque::push_back keeps references valid
            }
            delivery_ready_.notify_one();
            return message.seq;
        }
    }
    for (const auto& receiver : receivers) receiver->deliver(message);
    return message.seq;
}

std::size_t Hub::queued_deliveries() const {
    std::lock_guard lock(delivery_mutex_);
    return queued_;
}

std::uint64_t Hub::superseded_deliveries() const {
    std::lock_guard lock(delivery_mutex_);
    return superseded_;
}

void Hub::subscribe(const std::string& topic, const std::shared_ptr<Subscriber>& subscriber) {
    std::lock_guard lock(mutex_);
    topics_[topic].subscribers[subscriber.get()] = subscriber;
}

void Hub::unsubscribe(const std::string& topic, const Subscriber* subscriber) {
    std::lock_guard lock(mutex_);
    const auto it = topics_.find(topic);
    if (it == topics_.end()) return;
    it->second.subscribers.erase(subscriber);
    // A topic nobody watches and nothing was ever published on (e.g. a made-up id) is dropped.
    if (it->second.subscribers.empty() && it->second.seq == 0) topics_.erase(it);
}

bool Hub::has_subscribers(const std::string& topic) const {
    std::lock_guard lock(mutex_);
    const auto it = topics_.find(topic);
    if (it == topics_.end()) return false;
    return std::any_of(it->second.subscribers.begin(), it->second.subscribers.end(),
                       [](const auto& entry) { return !entry.second.expired(); });
}

std::uint64_t Hub::current_seq(const std::string& topic) const {
    std::lock_guard lock(mutex_);
    const auto it = topics_.find(topic);
    return it == topics_.end() ? 0 : it->second.seq;
}

std::optional<std::vector<Outgoing>> Hub::since(const std::string& topic, std::uint64_t last_seq) const {
    std::lock_guard lock(mutex_);
    const auto it = topics_.find(topic);
    const std::uint64_t current = it == topics_.end() ? 0 : it->second.seq;
    if (last_seq > current) return std::nullopt;  // from another run or invented
    std::vector<Outgoing> missed;
    if (last_seq == current) return missed;
    const auto& log = it->second.log;
    if (log.empty() || log.front().seq > last_seq + 1) return std::nullopt;
    for (const auto& message : log)
        if (message.seq > last_seq) missed.push_back(message);
    return missed;
}

std::vector<std::string> Hub::subscribed_topics(const std::string& prefix) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [name, topic] : topics_) {
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        if (std::any_of(topic.subscribers.begin(), topic.subscribers.end(),
                        [](const auto& entry) { return !entry.second.expired(); }))
            out.push_back(name);
    }
    return out;
}

std::size_t Hub::subscriptions() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [name, topic] : topics_) n += topic.subscribers.size();
    return n;
}

}  // namespace congress::live
