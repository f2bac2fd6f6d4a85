#include "net/ws_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <nlohmann/json.hpp>

#include "live/topic.hpp"
#include "util/log.hpp"

namespace congress::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using nlohmann::json;

namespace {
// Application close code: the client fell too far behind; it should reconnect and resync.
constexpr std::uint16_t close_too_slow = 4001;
}  // namespace

WsSession::WsSession(beast::tcp_stream&& stream, ServerContext& context)
    : ws_(std::move(stream)), context_(context), tokens_(context.options.live.message_burst),
      refilled_(std::chrono::steady_clock::now()) {
    beast::error_code ec;
    const auto endpoint = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
}

WsSession::~WsSession() { context_.sessions.remove(this); }

void WsSession::start(beast::http::request<beast::http::string_body>&& upgrade) {
    context_.sessions.add(this, std::static_pointer_cast<Stoppable>(shared_from_this()));
    const auto& options = context_.options.live;
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream keeps its own timers
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = options.idle_timeout;
    timeouts.keep_alive_pings = true;  // ping at half the idle timeout; close if no answer
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "congress"); }));
    ws_.read_message_max(options.max_message_bytes);
    ws_.async_accept(upgrade, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::on_accept(beast::error_code ec) {
    if (ec) return;
    do_read();
}

void WsSession::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        // Closed by the peer, a dead connection found by the pings, a frame over the size
        // limit (Beast closes with 1009) or our own close: the subscriptions go with it.
        unsubscribe_all();
        return;
    }
    if (!take_token()) {
        buffer_.consume(buffer_.size());
        // Closed only for flooding on after being told: this many refusals in a row.
        if (++violations_ > static_cast<int>(context_.options.live.message_burst)) {
            close_with(static_cast<std::uint16_t>(websocket::close_code::policy_error), "message rate exceeded");
            return;
        }
        send_error("rate_limited", "Too many messages; this one was dropped.");
        do_read();
        return;
    }
    violations_ = 0;
    if (!ws_.got_text()) {
        buffer_.consume(buffer_.size());
        send_error("invalid_message", "Messages are JSON text frames.");
    } else {
        const auto text = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        handle_text(text);
    }
    if (!closing_) do_read();
}

bool WsSession::take_token() {
    const auto& options = context_.options.live;
    const auto now = std::chrono::steady_clock::now();
    const std::chrono::duration<double> elapsed = now - refilled_;
    refilled_ = now;
    tokens_ = std::min(options.message_burst, tokens_ + elapsed.count() * options.messages_per_second);
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
}

void WsSession::handle_text(const std::string& text) {
    const auto message = json::parse(text, nullptr, false);
    if (message.is_discarded() || !message.is_object() || !message.contains("type") || !message["type"].is_string()) {
        send_error("invalid_message", "Send a JSON object with a \"type\" (subscribe or unsubscribe).");
        return;
    }
    const auto type = message["type"].get<std::string>();
    const auto topic = message.contains("topic") && message["topic"].is_string() ? message["topic"].get<std::string>() : "";
    if (type == "subscribe") subscribe(topic, message);
    else if (type == "unsubscribe") unsubscribe(topic);
    else if (type == "ping") send_json({{"type", "pong"}});
    else send_error("invalid_message", "Unknown message type \"" + type.substr(0, 40) + "\".");
}

void WsSession::subscribe(const std::string& topic_name, const json& message) {
    const auto topic = live::parse_topic(topic_name);
    if (!topic) {
        send_error("unknown_topic", "Topics are event:<id>, session:<id> or registration:<code>.", topic_name.substr(0, 100));
        return;
    }
    auto& hub = *context_.live.hub;
    const bool already = subscriptions_.count(topic_name) > 0;
    if (!already && subscriptions_.size() >= context_.options.live.max_subscriptions) {
        send_error("too_many_subscriptions", "A connection may hold " +
                                                 std::to_string(context_.options.live.max_subscriptions) + " subscriptions.",
                   topic_name);
        return;
    }
    auto& sub = subscriptions_[topic_name];
    if (!already) hub.subscribe(topic_name, std::static_pointer_cast<live::Subscriber>(shared_from_this()));

    // Resync: the messages missed since last_seq, if this server run still has them all.
    const bool same_epoch = message.contains("epoch") && message["epoch"].is_string() &&
                            message["epoch"].get<std::string>() == hub.epoch();
    // A client that saw messages of this topic in this run (last_seq > 0) knows it exists; any
    // other subscription goes through the snapshot, which also checks that the topic exists.
    if (same_epoch && message.contains("last_seq") && message["last_seq"].is_number_unsigned() &&
        message["last_seq"].get<std::uint64_t>() > 0) {
        const auto last_seq = message["last_seq"].get<std::uint64_t>();
        if (auto missed = hub.since(topic_name, last_seq)) {
            sub.awaiting_snapshot = false;
            sub.last_seq = std::max(sub.last_seq, last_seq);
            send_json({{"type", "subscribed"}, {"topic", topic_name}, {"epoch", hub.epoch()},
                       {"seq", hub.current_seq(topic_name)}});
            for (const auto& m : *missed) on_published(m);
            return;
        }
    }
    // Otherwise a snapshot; what is published meanwhile is held until it has gone out.
    const auto seq = hub.current_seq(topic_name);
    sub.awaiting_snapshot = true;
    send_json({{"type", "subscribed"}, {"topic", topic_name}, {"epoch", hub.epoch()}, {"seq", seq}});
    context_.live.snapshots->snapshot(*topic, [self = shared_from_this(), topic_name, seq](std::optional<json> body) {
        asio::post(self->ws_.get_executor(), [self, topic_name, seq, body = std::move(body)]() mutable {
            self->on_snapshot(topic_name, seq, std::move(body));
        });
    });
}

void WsSession::on_snapshot(const std::string& topic, std::uint64_t seq, std::optional<json> body) {
    const auto it = subscriptions_.find(topic);
    if (closing_ || it == subscriptions_.end()) return;
    if (!body) {
        send_error("unknown_topic", "There is no such event, session or registration.", topic);
        unsubscribe(topic);
        return;
    }
    (*body)["topic"] = topic;
    (*body)["seq"] = seq;
    (*body)["epoch"] = context_.live.hub->epoch();
    send_json(*body);
    auto& sub = it->second;
    sub.awaiting_snapshot = false;
    sub.last_seq = std::max(sub.last_seq, seq);
    auto held = std::move(sub.held);
    sub.held.clear();
    for (const auto& m : held) on_published(m);
}

void WsSession::unsubscribe(const std::string& topic) {
    if (subscriptions_.erase(topic) > 0) context_.live.hub->unsubscribe(topic, this);
}

void WsSession::unsubscribe_all() {
    for (const auto& [topic, sub] : subscriptions_) context_.live.hub->unsubscribe(topic, this);
    subscriptions_.clear();
}

void WsSession::deliver(const live::Outgoing& message) {
    asio::post(ws_.get_executor(), [self = shared_from_this(), message] { self->on_published(message); });
}

void WsSession::on_published(const live::Outgoing& message) {
    if (closing_) return;
    const auto it = subscriptions_.find(message.topic);
    if (it == subscriptions_.end()) return;
    auto& sub = it->second;
    if (sub.awaiting_snapshot) {
        sub.held.push_back(message);
        return;
    }
    if (message.seq <= sub.last_seq) return;  // already sent (resync overlap)
    sub.last_seq = message.seq;
    // Keys are per topic: the same count published on event:E and session:S is two values.
    enqueue(message.text, message.coalesce_key.empty() ? std::string() : message.topic + '|' + message.coalesce_key);
}

void WsSession::send_json(const json& message) {
    enqueue(std::make_shared<const std::string>(message.dump(-1, ' ', false, json::error_handler_t::replace)), {});
}

void WsSession::send_error(const std::string& code, const std::string& message, const std::string& topic) {
    json error = {{"type", "error"}, {"code", code}, {"message", message}};
    if (!topic.empty()) error["topic"] = topic;
    send_json(error);
}

void WsSession::enqueue(std::shared_ptr<const std::string> text, std::string coalesce_key) {
    if (closing_) return;
    if (!coalesce_key.empty()) {
        // A newer value for the same key (topic and seat count) replaces the queued one. It
        // goes to the back, behind everything queued earlier, so that each topic's messages
        // stay in seq order. The head may be on the wire already; it is never touched.
        for (std::size_t i = writing_ ? 1 : 0; i < queue_.size(); ++i) {
            if (queue_[i].coalesce_key == coalesce_key) {
                queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
                break;
            }
        }
    }
    queue_.push_back(Queued{std::move(text), std::move(coalesce_key)});
    if (queue_.size() > context_.options.live.max_queued_messages) {
        log::info("live", "closing a client that fell behind (" + remote_ + ")");
        close_with(close_too_slow, "too slow; reconnect and resync");
        return;
    }
    if (!writing_) do_write();
}

void WsSession::do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(*queue_.front().text), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) {
        closing_ = true;
        queue_.clear();
        return;
    }
    queue_.pop_front();
    if (!queue_.empty() && !closing_) do_write();
}

void WsSession::close_with(std::uint16_t code, const char* reason) {
    if (closing_) return;
    closing_ = true;
    // Drop what is queued but not on the wire; the client resyncs when it reconnects.
    if (queue_.size() > 1) queue_.resize(writing_ ? 1 : 0);
    else if (!writing_) queue_.clear();
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason), [self = shared_from_this()](beast::error_code) {});
}

void WsSession::shutdown() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
        self->close_with(static_cast<std::uint16_t>(websocket::close_code::going_away), "server shutting down");
    });
}

}  // namespace congress::net
