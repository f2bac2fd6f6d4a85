// One /live WebSocket connection: topic subscriptions, a bounded send queue where a newer
// seat count replaces an older queued one, resync on reconnect, and limits on what the
// client may send (size, rate, number of subscriptions). Runs on the connection's strand.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <nlohmann/json_fwd.hpp>

#include "live/hub.hpp"
#include "net/server_context.hpp"

namespace congress::net {

class WsSession : public Stoppable, public live::Subscriber, public std::enable_shared_from_this<WsSession> {
public:
    WsSession(boost::beast::tcp_stream&& stream, ServerContext& context);
    ~WsSession() override;
    void start(boost::beast::http::request<boost::beast::http::string_body>&& upgrade);

    void deliver(const live::Outgoing& message) override;  // any thread
    void shutdown() override;                              // any thread

private:
    struct Queued {
        std::shared_ptr<const std::string> text;
        std::string coalesce_key;
    };
    struct Subscription {
        bool awaiting_snapshot = false;
        std::uint64_t last_seq = 0;  // the newest seq this client has been sent
        std::vector<live::Outgoing> held;  // published while the snapshot was being read
    };

    void on_accept(boost::beast::error_code ec);
    void do_read();
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void handle_text(const std::string& text);
    bool take_token();
    void subscribe(const std::string& topic, const nlohmann::json& message);
    void unsubscribe(const std::string& topic);
    void on_snapshot(const std::string& topic, std::uint64_t seq, std::optional<nlohmann::json> body);
    void on_published(const live::Outgoing& message);
    void send_json(const nlohmann::json& message);
    void send_error(const std::string& code, const std::string& message, const std::string& topic = {});
    void enqueue(std::shared_ptr<const std::string> text, std::string coalesce_key);
    void do_write();
    void on_write(boost::beast::error_code ec, std::size_t bytes);
    void close_with(std::uint16_t code, const char* reason);
    void unsubscribe_all();

    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::flat_buffer buffer_;
    ServerContext& context_;
    std::string remote_;
    std::deque<Queued> queue_;
    bool writing_ = false;
    bool closing_ = false;
    std::map<std::string, Subscription> subscriptions_;
    double tokens_;
    std::chrono::steady_clock::time_point refilled_;
    int violations_ = 0;
};

}  // namespace congress::net
