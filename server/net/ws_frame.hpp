// WebSocket framing (RFC 6455, section 5) for the /live channel once the handshake is done.
//
// Beast performs the opening handshake; after it the connection speaks frames through this
// codec so that a broadcast is framed once (by the wire the hub is given, net/wire.hpp) and
// the same bytes go to every subscriber with one send() each (see net/ws_session). The server sends unmasked, unfragmented frames; it
// reads masked client frames, reassembles fragmented messages and enforces the protocol's
// rules and the message size limit. No Asio here: the reader is a pure function of the
// bytes fed to it, so tests drive it byte by byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace congress::net {

enum class WsOpcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

// Close codes used by the server (RFC 6455 section 7.4.1, plus the application's own).
namespace ws_close {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t too_slow = 4001;  // fell too far behind; reconnect and resync
}  // namespace ws_close

// One complete server-to-client frame (FIN set, not masked).
std::string ws_encode_frame(WsOpcode opcode, std::string_view payload);
// A close frame carrying `code` and a reason (cut to fit a control frame).
std::string ws_encode_close(std::uint16_t code, std::string_view reason);
// Where the payload starts in a frame made by ws_encode_frame.
std::size_t ws_header_size(std::size_t payload_size);

bool valid_utf8(std::string_view text);

struct WsEvent {
    enum class Kind {
        text,     // a complete text message (valid UTF-8)
        binary,   // a complete binary message
        ping,     // answer with a pong carrying `payload`
        pong,
        close,    // the peer closes; `code` is its code (1005 if it gave none)
        failure,  // the peer broke the protocol or a limit; close with `code`
    };
    Kind kind;
    std::string payload;  // message data, ping data, or the close reason / failure reason
    std::uint16_t code = 0;
};

class WsFrameReader {
public:
    explicit WsFrameReader(std::size_t max_message_bytes) : max_message_(max_message_bytes) {}

    // Consumes bytes received from the client and appends what they complete to `out`.
    // After a failure or a close event the reader ignores further input.
    void feed(const char* data, std::size_t size, std::vector<WsEvent>& out);
    bool done() const { return done_; }

private:
    // Parses one frame from pending_ at offset; returns false if it is not complete yet.
    bool parse_one(std::vector<WsEvent>& out);
    void fail(std::uint16_t code, std::string reason, std::vector<WsEvent>& out);

    std::size_t max_message_;
    std::string pending_;      // bytes received but not yet a complete frame
    std::size_t offset_ = 0;   // start of the first unparsed frame in pending_
    std::string message_;      // a fragmented message being reassembled
    bool in_message_ = false;
    bool message_is_text_ = false;
    bool done_ = false;
};

}  // namespace congress::net
