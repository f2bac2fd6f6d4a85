#include "net/ws_session.hpp"

#include <cerrno>

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <nlohmann/json.hpp>

#include "live/topic.hpp"
#include "util/log.hpp"

namespace congress::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using nlohmann::json;
using tcp = asio::ip::tcp;

namespace {
// How long a closing connection waits for the client to close its side.
constexpr std::chrono::seconds close_grace{5};
// Queued pongs share this key: a newer one replaces the older (topics' keys contain '|').
const std::string pong_coalesce_key = "pong";
}  // namespace

WsSession::WsSession(std::unique_ptr<WsTransport> transport, ServerContext& context, ConnectionSlot slot)
    : context_(context),
      remote_(transport->remote_address()),
      transport_(std::move(transport)),
      slot_(std::move(slot)),
      ping_timer_(transport_->executor()),
      reader_(context.options.live.max_message_bytes),
      last_received_(std::chrono::steady_clock::now()),
      tokens_(context.options.live.message_burst),
      refilled_(std::chrono::steady_clock::now()) {}

WsSession::~WsSession() { context_.sessions.remove(this); }

void WsSession::start(WsTransport::Upgrade&& upgrade) {
    // Kept for topics only some callers may read (staff check-in counters): the snapshot
    // source authenticates it on every such subscription.
    for (const auto& field : upgrade)
        if (field.name() == boost::beast::http::field::cookie) {
            if (!cookie_.empty()) cookie_ += "; ";
            cookie_ += std::string(field.value());
        }
    context_.sessions.add(this, std::static_pointer_cast<Stoppable>(shared_from_this()));
    transport_->accept(upgrade, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::on_accept(beast::error_code ec) {
    handshaking_ = false;
    if (ec) {  // the handshake failed; the session ends with it
        transport_->close();
        return;
    }
    last_received_ = std::chrono::steady_clock::now();
    if (const int bytes = context_.options.live.send_buffer_bytes; bytes > 0 && !transport_->limit_send_buffer(bytes))
        log::debug("live", "could not set the send buffer of " + remote_);
    {
        Lock lock(mutex_);
        socket_open_ = true;
        if (context_.stopping) close_with(lock, ws_close::going_away, "server shutting down");
    }
    arm_ping_timer();
    do_read();
}

// --- reading -----------------------------------------------------------------------------

void WsSession::do_read() {
    transport_->read([self = shared_from_this()](beast::error_code ec, std::string_view data) { self->on_data(ec, data); });
}

void WsSession::on_data(beast::error_code ec, std::string_view data) {
    if (ec) {  // the peer closed or reset the connection, or we closed it
        close_socket();
        return;
    }
    last_received_ = std::chrono::steady_clock::now();
    std::vector<WsEvent> events;
    reader_.feed(data.data(), data.size(), events);
    for (auto& event : events) handle_event(event);
    {
        Lock lock(mutex_);
        if (!socket_open_) return;
    }
    do_read();
}

void WsSession::handle_event(WsEvent& event) {
    using Kind = WsEvent::Kind;
    switch (event.kind) {
        case Kind::ping: {
            // A ping costs a token like any message. Its pong counts against the queue bound
            // like any frame, and a newer pong replaces one still queued (RFC 6455 5.5.3
            // allows answering only the latest ping): a client that pings and never reads
            // cannot grow the server. One that pings beyond the rate is closed (1008).
            if (!take_token()) {
                Lock lock(mutex_);
                if (++violations_ > static_cast<int>(context_.options.live.message_burst))
                    close_with(lock, ws_close::policy_violation, "ping rate exceeded");
                return;
            }
            violations_ = 0;
            Lock lock(mutex_);
            if (!closing_)
                send_frame(lock, Frame(std::make_shared<const std::string>(ws_encode_frame(WsOpcode::pong, event.payload)),
                                       pong_coalesce_key));
            return;
        }
        case Kind::pong:
            return;
        case Kind::close: {
            // Answer with the same code (RFC 6455 section 5.5.1); 1005 means none was given.
            Lock lock(mutex_);
            close_with(lock, event.code == 1005 ? ws_close::normal : event.code, "");
            return;
        }
        case Kind::failure: {
            Lock lock(mutex_);
            close_with(lock, event.code, event.payload);
            return;
        }
        case Kind::text:
        case Kind::binary:
            break;
    }
    if (!take_token()) {
        Lock lock(mutex_);
        // Closed only for flooding on after being told: this many refusals in a row.
        if (++violations_ > static_cast<int>(context_.options.live.message_burst)) {
            close_with(lock, ws_close::policy_violation, "message rate exceeded");
            return;
        }
        send_error(lock, "rate_limited", "Too many messages; this one was dropped.");
        return;
    }
    violations_ = 0;
    if (event.kind == Kind::binary) {
        Lock lock(mutex_);
        send_error(lock, "invalid_message", "Messages are JSON text frames.");
        return;
    }
    handle_text(event.payload);
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
        Lock lock(mutex_);
        send_error(lock, "invalid_message", "Send a JSON object with a \"type\" (subscribe or unsubscribe).");
        return;
    }
    const auto type = message["type"].get<std::string>();
    const auto topic = message.contains("topic") && message["topic"].is_string() ? message["topic"].get<std::string>() : "";
    if (type == "subscribe") {
        subscribe(topic, message);
        return;
    }
    Lock lock(mutex_);
    if (type == "unsubscribe") {
        if (subscriptions_.erase(topic) > 0) context_.live.hub->unsubscribe(topic, this);
    } else if (type == "ping") {
        send_json(lock, {{"type", "pong"}});
    } else {
        send_error(lock, "invalid_message", "Unknown message type \"" + type.substr(0, 40) + "\".");
    }
}

void WsSession::subscribe(const std::string& topic_name, const json& message) {
    auto topic = live::parse_topic(topic_name);
    if (topic && topic->needs_credentials()) topic->cookie = cookie_;
    Lock lock(mutex_);
    if (closing_) return;
    if (!topic) {
        send_error(lock, "unknown_topic", "Topics are event:<id>, session:<id>, registration:<code> or checkin:<id>.",
                   topic_name.substr(0, 100));
        return;
    }
    auto& hub = *context_.live.hub;
    const bool already = subscriptions_.count(topic_name) > 0;
    if (!already && subscriptions_.size() >= context_.options.live.max_subscriptions) {
        send_error(lock, "too_many_subscriptions",
                   "A connection may hold " + std::to_string(context_.options.live.max_subscriptions) + " subscriptions.",
                   topic_name);
        return;
    }
    // Under this connection's lock: what the hub delivers from now on waits until the
    // subscription's state below is set.
    auto& sub = subscriptions_[topic_name];
    if (!already) hub.subscribe(topic_name, std::static_pointer_cast<live::Subscriber>(shared_from_this()));

    // Resync: the messages missed since last_seq, if this server run still has them all.
    const bool same_epoch = message.contains("epoch") && message["epoch"].is_string() &&
                            message["epoch"].get<std::string>() == hub.epoch();
    // A client that saw messages of this topic in this run (last_seq > 0) knows it exists; any
    // other subscription goes through the snapshot, which also checks that the topic exists.
    // A topic that needs credentials always goes through the snapshot, which checks them.
    if (same_epoch && !topic->needs_credentials() && message.contains("last_seq") && message["last_seq"].is_number_unsigned() &&
        message["last_seq"].get<std::uint64_t>() > 0) {
        const auto last_seq = message["last_seq"].get<std::uint64_t>();
        if (auto missed = hub.since(topic_name, last_seq)) {
            sub.awaiting_snapshot = false;
            sub.last_seq = std::max(sub.last_seq, last_seq);
            send_json(lock, {{"type", "subscribed"}, {"topic", topic_name}, {"epoch", hub.epoch()},
                             {"seq", hub.current_seq(topic_name)}});
            for (const auto& m : *missed) on_published(lock, m);
            return;
        }
    }
    // Otherwise a snapshot; what is published meanwhile is held until it has gone out.
    const auto seq = hub.current_seq(topic_name);
    sub.awaiting_snapshot = true;
    send_json(lock, {{"type", "subscribed"}, {"topic", topic_name}, {"epoch", hub.epoch()}, {"seq", seq}});
    context_.live.snapshots->snapshot(*topic, [self = shared_from_this(), topic_name, seq](std::optional<json> body) {
        asio::post(self->transport_->executor(), [self, topic_name, seq, body = std::move(body)]() mutable {
            self->on_snapshot(topic_name, seq, std::move(body));
        });
    });
}

void WsSession::on_snapshot(const std::string& topic, std::uint64_t seq, std::optional<json> body) {
    Lock lock(mutex_);
    const auto it = subscriptions_.find(topic);
    if (closing_ || it == subscriptions_.end()) return;
    // Every change to the subscription is made before anything is sent: a send can close
    // the session (a full queue, a broken socket), which drops every subscription and
    // leaves `it` pointing at a freed node (a use-after-free seen under ASan).
    if (!body || body->contains("error")) {
        subscriptions_.erase(it);
        context_.live.hub->unsubscribe(topic, this);
        if (body && (*body)["error"].is_object())
            send_error(lock, (*body)["error"].value("code", "forbidden"), (*body)["error"].value("message", ""), topic);
        else
            send_error(lock, "unknown_topic", "There is no such event, session or registration.", topic);
        return;
    }
    auto& sub = it->second;
    sub.awaiting_snapshot = false;
    sub.last_seq = std::max(sub.last_seq, seq);
    auto held = std::move(sub.held);
    sub.held.clear();
    (*body)["topic"] = topic;
    (*body)["seq"] = seq;
    (*body)["epoch"] = context_.live.hub->epoch();
    send_json(lock, *body);
    // What was published meanwhile, in order; on_published finds the subscription itself.
    for (const auto& m : held) on_published(lock, m);
}

void WsSession::unsubscribe_all(const Lock&) {
    for (const auto& [topic, sub] : subscriptions_) context_.live.hub->unsubscribe(topic, this);
    subscriptions_.clear();
}

// --- sending -------------------------------------------------------------------------------

namespace {

// The message's frame as the hub's wire made it once; a hub without a wire (tests) leaves
// the framing to each session.
std::shared_ptr<const std::string> frame_of(const live::Outgoing& message) {
    if (message.frame) return message.frame;
    return std::make_shared<const std::string>(ws_encode_frame(WsOpcode::text, message.text ? *message.text : std::string()));
}

}  // namespace

void WsSession::deliver(const live::Outgoing& message) {
    Lock lock(mutex_);
    on_published(lock, message);
}

int WsSession::prepare_send(const live::Outgoing& message) {
    Lock lock(mutex_);
    if (!accepts(lock, message)) return -1;
    // The batcher may send only what try_send() would send now: the whole frame, first in
    // line. Anything else takes the ordinary way.
    const int fd = queue_.empty() && socket_open_ && !closing_ ? transport_->send_descriptor() : -1;
    if (fd < 0) {
        send_shared(lock, frame_of(message), message.coalesce_key);
        return -1;
    }
    // Held until complete_send: nothing else may write to, or close, the socket meanwhile.
    lock.release();
    return fd;
}

void WsSession::complete_send(const live::Outgoing& message, long result) {
    Lock lock(mutex_, std::adopt_lock);
    ssize_t n = result;
    if (result == -EAGAIN || result == -EWOULDBLOCK || result == -EINTR) n = 0;  // the socket is full
    if (n < 0) send_failed(lock);
    sent_shared(lock, message.frame, message.coalesce_key, n);
}

void WsSession::on_published(const Lock& lock, const live::Outgoing& message) {
    if (accepts(lock, message)) send_shared(lock, frame_of(message), message.coalesce_key);
}

bool WsSession::accepts(const Lock&, const live::Outgoing& message) {
    if (closing_) return false;
    const auto it = subscriptions_.find(message.topic);
    if (it == subscriptions_.end()) return false;
    auto& sub = it->second;
    if (sub.awaiting_snapshot) {
        sub.held.push_back(message);
        return false;
    }
    if (message.seq <= sub.last_seq) return false;  // already sent (resync overlap)
    sub.last_seq = message.seq;
    return true;
}

void WsSession::send_json(const Lock& lock, const json& message) {
    const auto text = message.dump(-1, ' ', false, json::error_handler_t::replace);
    send_frame(lock, Frame(ws_encode_frame(WsOpcode::text, text)));
}

void WsSession::send_error(const Lock& lock, const std::string& code, const std::string& message, const std::string& topic) {
    json error = {{"type", "error"}, {"code", code}, {"message", message}};
    if (!topic.empty()) error["topic"] = topic;
    send_json(lock, error);
}

ssize_t WsSession::try_send(const Lock& lock, const std::string& bytes) {
    const ssize_t n = transport_->try_send(bytes.data(), bytes.size());
    if (n >= 0) return n;
    send_failed(lock);
    return -1;
}

void WsSession::send_failed(const Lock& lock) {
    // The connection is broken; reading will find out and close the socket.
    closing_ = true;
    close_sent_ = true;
    unsubscribe_all(lock);
}

void WsSession::send_shared(const Lock& lock, const std::shared_ptr<const std::string>& bytes, const std::string& coalesce_key) {
    // The common case for a broadcast: nothing waits, and the socket takes the whole frame
    // with one non-blocking send(), straight from the hub's delivery thread.
    if (queue_.empty() && socket_open_ && !closing_) {
        sent_shared(lock, bytes, coalesce_key, try_send(lock, *bytes));
        return;
    }
    send_frame(lock, Frame(bytes, coalesce_key));
}

void WsSession::sent_shared(const Lock&, const std::shared_ptr<const std::string>& bytes,
                            const std::string& coalesce_key, ssize_t n) {
    if (n < 0 || static_cast<std::size_t>(n) == bytes->size()) return;
    Frame rest(bytes, coalesce_key);
    rest.sent = static_cast<std::size_t>(n);
    queue_.push_back(std::move(rest));
    writing_ = true;
    asio::post(transport_->executor(), [self = shared_from_this()] { self->do_write(); });
}

void WsSession::send_frame(const Lock& lock, Frame frame, bool control) {
    if (!socket_open_ || close_sent_ || (closing_ && !control)) return;
    if (queue_.empty()) {
        // Nothing waits, so the frame goes out now. The whole frame is taken or the rest
        // waits in the queue; either way the bytes on the wire stay in order, since nothing
        // else writes while the queue is not empty.
        const ssize_t n = try_send(lock, *frame.bytes);
        if (n < 0) return;
        if (static_cast<std::size_t>(n) == frame.bytes->size()) {
            if (closing_) {  // that was our close frame
                close_sent_ = true;
                transport_->shutdown_send();
            }
            return;
        }
        frame.sent = static_cast<std::size_t>(n);
        queue_.push_back(std::move(frame));
        writing_ = true;
        asio::post(transport_->executor(), [self = shared_from_this()] { self->do_write(); });
        return;
    }
    if (!frame.coalesce_key.empty()) {
        // A newer value for the same key (topic and seat count) replaces the queued one. It
        // goes to the back, behind everything queued earlier, so that each topic's messages
        // stay in seq order. The head may be partly on the wire; it is never touched.
        for (std::size_t i = 1; i < queue_.size(); ++i) {
            if (queue_[i].coalesce_key == frame.coalesce_key) {
                queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
                break;
            }
        }
    }
    queue_.push_back(std::move(frame));
    if (!control && queue_.size() > context_.options.live.max_queued_messages) {
        log::info("live", "closing a client that fell behind (" + remote_ + ")");
        close_with(lock, ws_close::too_slow, "too slow; reconnect and resync");
    }
}

void WsSession::do_write() {
    Lock lock(mutex_);
    if (!socket_open_ || queue_.empty()) {
        writing_ = false;
        return;
    }
    const auto& head = queue_.front();
    auto bytes = head.bytes;  // kept alive by the handler even if the queue is cleared
    const auto buffer = asio::buffer(bytes->data() + head.sent, bytes->size() - head.sent);
    lock.unlock();
    transport_->write_some(static_cast<const char*>(buffer.data()), buffer.size(),
                           [self = shared_from_this(), bytes](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void WsSession::on_write(beast::error_code ec, std::size_t bytes) {
    Lock lock(mutex_);
    if (ec || !socket_open_ || queue_.empty()) {
        writing_ = false;
        queue_.clear();
        lock.unlock();
        if (ec) close_socket();
        return;
    }
    auto& head = queue_.front();
    head.sent += bytes;
    if (head.sent < head.bytes->size()) {
        lock.unlock();
        do_write();
        return;
    }
    queue_.pop_front();
    if (closing_ && queue_.empty()) {  // the close frame is always the last one queued
        close_sent_ = true;
        writing_ = false;
        transport_->shutdown_send();
        return;
    }
    if (queue_.empty()) {
        writing_ = false;
        return;
    }
    lock.unlock();
    do_write();
}

void WsSession::close_with(const Lock& lock, std::uint16_t code, std::string_view reason) {
    if (closing_ || !socket_open_) return;
    closing_ = true;
    unsubscribe_all(lock);
    // Drop what is queued (the client resyncs when it reconnects) except the head, which
    // may be partly on the wire already and must be finished first.
    if (queue_.size() > 1) queue_.erase(queue_.begin() + 1, queue_.end());
    send_frame(lock, Frame(ws_encode_close(code, reason)), true);
    // Give the client a moment to close its side, then close regardless.
    asio::post(transport_->executor(), [self = shared_from_this()] {
        self->ping_timer_.expires_after(close_grace);
        self->ping_timer_.async_wait(beast::bind_front_handler(&WsSession::on_ping_timer, self));
    });
}

void WsSession::close_socket() {
    Lock lock(mutex_);
    if (!socket_open_) return;
    socket_open_ = false;
    closing_ = true;
    close_sent_ = true;
    queue_.clear();
    unsubscribe_all(lock);
    transport_->close();
    ping_timer_.cancel();
}

// --- keep-alive ----------------------------------------------------------------------------

void WsSession::arm_ping_timer() {
    ping_timer_.expires_after(context_.options.live.idle_timeout / 2);
    ping_timer_.async_wait(beast::bind_front_handler(&WsSession::on_ping_timer, shared_from_this()));
}

void WsSession::on_ping_timer(beast::error_code ec) {
    if (ec) return;  // cancelled: closed, or re-armed for the close grace period
    bool closing = false;
    {
        Lock lock(mutex_);
        if (!socket_open_) return;
        closing = closing_;
    }
    const auto now = std::chrono::steady_clock::now();
    // A closing client that did not close its side in time, or one that sent nothing back
    // (not even a pong) in the half idle timeout since our ping, is cut off.
    if (closing || (ping_sent_ && last_received_ < *ping_sent_)) {
        close_socket();
        return;
    }
    ping_sent_.reset();
    if (now - last_received_ >= context_.options.live.idle_timeout / 2) {
        Lock lock(mutex_);
        send_frame(lock, Frame(ws_encode_frame(WsOpcode::ping, "")), true);
        ping_sent_ = now;
    }
    arm_ping_timer();
}

void WsSession::shutdown() {
    asio::post(transport_->executor(), [self = shared_from_this()] {
        if (self->handshaking_) {  // still in the handshake: just stop it
            self->transport_->close();
            return;
        }
        Lock lock(self->mutex_);
        self->close_with(lock, ws_close::going_away, "server shutting down");
    });
}

}  // namespace congress::net
