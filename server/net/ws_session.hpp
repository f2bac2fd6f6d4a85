// One /live WebSocket connection: topic subscriptions, a bounded send queue where a newer
// seat count replaces an older queued one, resync on reconnect, and limits on what the
// client may send (size, rate, number of subscriptions).
//
// Beast does the opening handshake (net/ws_transport); the frames after it go through
// net/ws_frame so that a broadcast is framed once by the hub's wire and, over plain TCP, written to
// each subscriber with one non-blocking send() straight from the hub's delivery thread.
// Only when the socket cannot take a frame whole (and always over TLS) does it wait in the
// queue, written by an asynchronous write on the connection's strand. One mutex per
// connection guards what the delivery thread and the strand share (subscriptions, queue,
// closing state, the socket's lifetime).
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include <nlohmann/json_fwd.hpp>

#include "live/hub.hpp"
#include "net/ws_frame.hpp"
#include "net/server_context.hpp"
#include "net/ws_transport.hpp"

namespace congress::net {

class WsSession : public Stoppable, public live::Subscriber, public std::enable_shared_from_this<WsSession> {
public:
    WsSession(std::unique_ptr<WsTransport> transport, ServerContext& context, ConnectionSlot slot = {});
    ~WsSession() override;
    void start(WsTransport::Upgrade&& upgrade);

    void deliver(const live::Outgoing& message) override;  // any thread
    // The hub's batched broadcast: see live::Subscriber. complete_send releases the lock
    // that a prepare_send returning a descriptor kept.
    int prepare_send(const live::Outgoing& message) override;
    void complete_send(const live::Outgoing& message, long result) override;
    void shutdown() override;                              // any thread

private:
    struct Frame {
        explicit Frame(std::shared_ptr<const std::string> b, std::string key = {})
            : bytes(std::move(b)), coalesce_key(std::move(key)) {}
        explicit Frame(std::string b) : bytes(std::make_shared<const std::string>(std::move(b))) {}
        std::shared_ptr<const std::string> bytes;
        std::size_t sent = 0;      // bytes of it already on the wire
        std::string coalesce_key;  // empty: never replaced
    };
    struct Subscription {
        bool awaiting_snapshot = false;
        std::uint64_t last_seq = 0;        // the newest seq this client has been sent
        std::vector<live::Outgoing> held;  // published while the snapshot was being read
    };
    using Lock = std::unique_lock<std::mutex>;

    // Strand: handshake, reading, the client's requests, timers, queued writes.
    void on_accept(boost::beast::error_code ec);
    void do_read();
    void on_data(boost::beast::error_code ec, std::string_view data);
    void handle_event(WsEvent& event);
    void handle_text(const std::string& text);
    bool take_token();
    void subscribe(const std::string& topic, const nlohmann::json& message);
    void unsubscribe(const std::string& topic);
    void on_snapshot(const std::string& topic, std::uint64_t seq, std::optional<nlohmann::json> body);
    void arm_ping_timer();
    void on_ping_timer(boost::beast::error_code ec);
    void do_write();
    void on_write(boost::beast::error_code ec, std::size_t bytes);
    void close_socket();

    // Any thread, with mutex_ held.
    void on_published(const Lock& lock, const live::Outgoing& message);
    // Whether `message` is for this client now (subscribed, snapshot sent, not yet sent);
    // holds it back while the topic's snapshot is being read.
    bool accepts(const Lock& lock, const live::Outgoing& message);
    void send_json(const Lock& lock, const nlohmann::json& message);
    void send_error(const Lock& lock, const std::string& code, const std::string& message, const std::string& topic = {});
    void send_frame(const Lock& lock, Frame frame, bool control = false);
    // The same for a broadcast's shared frame; nothing is copied unless it has to wait.
    void send_shared(const Lock& lock, const std::shared_ptr<const std::string>& bytes, const std::string& coalesce_key);
    // One non-blocking send() of what is not yet sent of `bytes`; returns the bytes taken, or
    // -1 if the connection is broken (then it is marked closing).
    ssize_t try_send(const Lock& lock, const std::string& bytes);
    // After `n` bytes of a shared frame went out with nothing queued before it (n < 0: the
    // connection is broken): queue the rest, if any, for the strand to write.
    void sent_shared(const Lock& lock, const std::shared_ptr<const std::string>& bytes, const std::string& coalesce_key,
                     ssize_t n);
    // Marks the connection broken: nothing more is sent, reading will find out and close it.
    void send_failed(const Lock& lock);
    void close_with(const Lock& lock, std::uint16_t code, std::string_view reason);
    void unsubscribe_all(const Lock& lock);

    ServerContext& context_;
    std::string remote_;
    std::unique_ptr<WsTransport> transport_;
    ConnectionSlot slot_;  // counts this connection against its client address
    bool handshaking_ = true;
    boost::asio::steady_timer ping_timer_;
    WsFrameReader reader_;
    std::chrono::steady_clock::time_point last_received_;
    std::optional<std::chrono::steady_clock::time_point> ping_sent_;  // unanswered ping
    double tokens_;
    std::chrono::steady_clock::time_point refilled_;
    int violations_ = 0;

    std::mutex mutex_;
    std::map<std::string, Subscription> subscriptions_;
    std::string cookie_;  // the upgrade request's Cookie header(s)
    std::deque<Frame> queue_;
    bool writing_ = false;      // an asynchronous write of queue_.front() is in flight
    bool closing_ = false;      // our close frame is queued: nothing more is sent
    bool close_sent_ = false;   // ... and written; the sending side is shut down
    bool socket_open_ = false;  // the WebSocket is established and the socket not closed
};

}  // namespace congress::net
