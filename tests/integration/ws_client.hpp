// A tiny blocking WebSocket client (RFC 6455) on POSIX sockets, for the /live tests.
// Like http_client, deliberately not Beast: the suite compiles fast, and it can send what
// a well-behaved client never would (binary or oversized frames, floods, raw bytes).
//
// Client frames are masked, as the protocol requires. Pings are answered with pongs
// while receiving; a close frame from the server is answered with a close, and then the
// client ends its side of the TCP connection (shutdown). Every wait is
// bounded: receive() returns a timeout instead of hanging a test. The Sec-WebSocket-Accept
// value is not verified (that needs SHA-1); a 101 status is taken as the upgrade.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "integration/http_client.hpp"

namespace congress::it {

struct WsOptions {
    std::string target = "/live";
    // false: a plain GET of the target, without the Upgrade headers.
    bool upgrade = true;
    // The Origin header; none if unset (a program, not a browser).
    std::optional<std::string> origin;
    // More request headers.
    Headers headers;
    // > 0: SO_RCVBUF before connecting, to make a client that falls behind.
    int receive_buffer = 0;
    // > 0: TCP_MAXSEG before connecting. On loopback the server's send buffer grows with the
    // segment size (to megabytes with the 64 KB loopback default); small segments and a tiny
    // receive buffer keep it to tens or hundreds of KB, so a client that stops reading soon
    // backs up into the server's own queue.
    int max_segment = 0;
    // Bound on the wait for the server's answer to the request.
    std::chrono::milliseconds timeout{10000};
};

struct WsMessage {
    enum class Kind {
        text,     // a complete text message: `data`
        binary,   // a complete binary message: `data`
        close,    // the server's close frame: `close_code` (1005 if it had none), reason in `data`
        eof,      // the connection ended (end of stream or reset) without a close frame
        timeout,  // nothing complete arrived within the wait
        error,    // not a WebSocket connection, or a frame that breaks the protocol: `data` says why
    };
    Kind kind = Kind::timeout;
    std::string data;
    int close_code = 0;

    bool is_text() const { return kind == Kind::text; }
    bool is_close() const { return kind == Kind::close; }
    // For failure messages: "text {…}", "close 1009 (reason)", "timeout", ...
    std::string describe() const;
};

// One frame as a client sends it: FIN set unless `fin` is false, masked unless `mask` is false.
std::string ws_frame(std::uint8_t opcode, std::string_view payload, bool fin = true, bool mask = true);

class WsClient {
public:
    static constexpr std::uint8_t op_continuation = 0x0, op_text = 0x1, op_binary = 0x2, op_close = 0x8,
                                  op_ping = 0x9, op_pong = 0xA;

    // Connects to 127.0.0.1:port and sends the request (the upgrade unless options say
    // otherwise), then reads the server's answer. open() tells whether it was a 101.
    explicit WsClient(std::uint16_t port, WsOptions options = {});
    ~WsClient();
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    // The upgrade was accepted (101) and the connection has not ended.
    bool open() const { return fd_ >= 0 && handshake_.status == 101 && !ended_; }
    // The server's answer to the request: status 101 when upgraded, otherwise the HTTP
    // error with its body; status 0 (and `error`) if none came.
    const Response& handshake() const { return handshake_; }
    int status() const { return handshake_.status; }
    // Why the connection or the handshake failed, if it did.
    const std::string& error() const { return error_; }

    // Each writes every byte; false if the connection is gone.
    bool send_text(std::string_view text) { return send_frame(op_text, text); }
    bool send_binary(std::string_view data) { return send_frame(op_binary, data); }
    bool send_frame(std::uint8_t opcode, std::string_view payload, bool fin = true);
    bool send_close(int code = 1000, std::string_view reason = {});
    bool send_raw(std::string_view bytes);

    // The next complete message (pings answered on the way), the server's close, the end of
    // the connection, or a timeout after `wait`. After a close or eof it returns that again.
    WsMessage receive(std::chrono::milliseconds wait = std::chrono::milliseconds(10000));

    // The code of the close frame the server sent, once receive() has seen it.
    std::optional<int> close_code() const { return close_code_; }
    // True once the server's close frame or the end of the connection has been seen.
    bool ended() const { return ended_; }
    // For a refused upgrade: true if the server ends the connection (end of stream or
    // reset) within `wait`, whatever it still sends before that.
    bool server_closes_within(std::chrono::milliseconds wait);
    // Closes the socket at once (no close handshake).
    void disconnect();

    // Bytes the server's kernel holds for this connection, written by the server but not
    // yet taken by this client (tx_queue of the server's socket in /proc/net/tcp; both ends
    // are on this host). Large when this client has stopped reading and its receive buffer
    // is full. Nullopt if it cannot be read.
    std::optional<std::size_t> server_unsent_bytes() const;
    // Bytes received (in this client's kernel buffer or already read in) that receive() has
    // not returned yet.
    std::size_t unread_bytes() const;

    // The next frame exactly as the server sent it (header and payload), without answering
    // or interpreting it; false on timeout or end of stream.
    bool read_raw_frame(std::string& frame, std::chrono::milliseconds wait);
    // Pings from the server that receive() has answered so far.
    int pings_received() const { return pings_received_; }

private:
    // One recv() with a deadline; false on end of stream, error or timeout (timed_out says which).
    bool fill(std::chrono::steady_clock::time_point deadline, bool& timed_out);

    int fd_ = -1;
    std::string buffer_;  // received and not yet parsed
    Response handshake_;
    std::string error_;
    bool ended_ = false;
    bool sent_close_ = false;
    std::optional<int> close_code_;
    WsMessage final_;  // what receive() returns again once ended
    std::string fragments_;
    std::uint8_t fragment_opcode_ = 0;
    int pings_received_ = 0;
};

}  // namespace congress::it
