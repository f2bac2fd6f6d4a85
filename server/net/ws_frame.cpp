#include "net/ws_frame.hpp"

#include <algorithm>

namespace congress::net {

namespace {

constexpr std::size_t max_control_payload = 125;

bool is_control(std::uint8_t opcode) { return (opcode & 0x8) != 0; }

// Codes a peer may put in a close frame (RFC 6455 section 7.4).
bool valid_close_code(std::uint16_t code) {
    if (code >= 3000 && code <= 4999) return true;
    switch (code) {
        case 1000: case 1001: case 1002: case 1003: case 1007: case 1008: case 1009: case 1010: case 1011:
            return true;
        default:
            return false;
    }
}

}  // namespace

std::size_t ws_header_size(std::size_t payload_size) {
    if (payload_size < 126) return 2;
    if (payload_size <= 0xFFFF) return 4;
    return 10;
}

std::string ws_encode_frame(WsOpcode opcode, std::string_view payload) {
    std::string frame;
    frame.reserve(ws_header_size(payload.size()) + payload.size());
    frame.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
    const std::uint64_t n = payload.size();
    if (n < 126) {
        frame.push_back(static_cast<char>(n));
    } else if (n <= 0xFFFF) {
        frame.push_back(static_cast<char>(126));
        frame.push_back(static_cast<char>((n >> 8) & 0xFF));
        frame.push_back(static_cast<char>(n & 0xFF));
    } else {
        frame.push_back(static_cast<char>(127));
        for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((n >> shift) & 0xFF));
    }
    frame.append(payload);
    return frame;
}

std::string ws_encode_close(std::uint16_t code, std::string_view reason) {
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    // A control frame carries at most 125 bytes; never cut a UTF-8 sequence in half.
    std::size_t keep = std::min(reason.size(), max_control_payload - 2);
    while (keep > 0 && keep < reason.size() && (static_cast<unsigned char>(reason[keep]) & 0xC0) == 0x80) --keep;
    payload.append(reason.substr(0, keep));
    return ws_encode_frame(WsOpcode::close, payload);
}

bool valid_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t extra;
        std::uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;  // a continuation byte first, an overlong lead (C0, C1) or beyond U+10FFFF
        }
        if (i + extra >= n) return false;  // truncated sequence
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and code points beyond U+10FFFF are invalid.
        if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += extra + 1;
    }
    return true;
}

void WsFrameReader::fail(std::uint16_t code, std::string reason, std::vector<WsEvent>& out) {
    done_ = true;
    pending_.clear();
    message_.clear();
    out.push_back(WsEvent{WsEvent::Kind::failure, std::move(reason), code});
}

void WsFrameReader::feed(const char* data, std::size_t size, std::vector<WsEvent>& out) {
    if (done_) return;
    pending_.append(data, size);
    while (!done_ && parse_one(out)) {
    }
    if (done_) return;
    // Keep only the incomplete frame; give back memory a large message used.
    pending_.erase(0, offset_);
    offset_ = 0;
    if (pending_.empty() && pending_.capacity() > 1024) std::string().swap(pending_);
}

bool WsFrameReader::parse_one(std::vector<WsEvent>& out) {
    const auto* p = reinterpret_cast<const unsigned char*>(pending_.data()) + offset_;
    const std::size_t available = pending_.size() - offset_;
    if (available < 2) return false;
    const bool fin = (p[0] & 0x80) != 0;
    const std::uint8_t rsv = p[0] & 0x70;
    const std::uint8_t opcode = p[0] & 0x0F;
    const bool masked = (p[1] & 0x80) != 0;
    std::uint64_t length = p[1] & 0x7F;
    std::size_t header = 2;

    if (rsv != 0) {
        fail(ws_close::protocol_error, "reserved bits set (no extension was negotiated)", out);
        return false;
    }
    if (!masked) {
        fail(ws_close::protocol_error, "client frames must be masked", out);
        return false;
    }
    const bool control = is_control(opcode);
    if (opcode != 0x0 && opcode != 0x1 && opcode != 0x2 && opcode != 0x8 && opcode != 0x9 && opcode != 0xA) {
        fail(ws_close::protocol_error, "unknown opcode", out);
        return false;
    }
    if (control && (!fin || length > max_control_payload)) {
        fail(ws_close::protocol_error, "invalid control frame", out);
        return false;
    }
    if (length == 126) {
        if (available < 4) return false;
        length = (std::uint64_t{p[2]} << 8) | p[3];
        header = 4;
        if (length < 126) {
            fail(ws_close::protocol_error, "length not in its shortest form", out);
            return false;
        }
    } else if (length == 127) {
        if (available < 10) return false;
        length = 0;
        for (int k = 2; k < 10; ++k) length = (length << 8) | p[k];
        header = 10;
        if (length <= 0xFFFF || (length >> 63) != 0) {
            fail(ws_close::protocol_error, "invalid 64-bit length", out);
            return false;
        }
    }
    // Refuse an oversized message as soon as its header says so, before buffering it.
    if (!control && (in_message_ ? message_.size() : 0) + length > max_message_) {
        fail(ws_close::message_too_big, "message too big", out);
        return false;
    }
    if (!control) {
        if (opcode == 0x0 && !in_message_) {
            fail(ws_close::protocol_error, "continuation frame without a message", out);
            return false;
        }
        if (opcode != 0x0 && in_message_) {
            fail(ws_close::protocol_error, "new message before the previous one ended", out);
            return false;
        }
    }
    if (available < header + 4 + length) return false;
    const unsigned char* mask = p + header;
    const unsigned char* body = mask + 4;
    std::string payload(static_cast<std::size_t>(length), '\0');
    for (std::size_t k = 0; k < length; ++k) payload[k] = static_cast<char>(body[k] ^ mask[k & 3]);
    offset_ += header + 4 + static_cast<std::size_t>(length);

    switch (opcode) {
        case 0x9:
            out.push_back(WsEvent{WsEvent::Kind::ping, std::move(payload), 0});
            return true;
        case 0xA:
            out.push_back(WsEvent{WsEvent::Kind::pong, std::move(payload), 0});
            return true;
        case 0x8: {
            if (payload.size() == 1) {
                fail(ws_close::protocol_error, "close frame with a one-byte payload", out);
                return false;
            }
            std::uint16_t code = 1005;  // no status code present
            std::string reason;
            if (payload.size() >= 2) {
                code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                  static_cast<unsigned char>(payload[1]));
                reason = payload.substr(2);
                if (!valid_close_code(code)) {
                    fail(ws_close::protocol_error, "invalid close code", out);
                    return false;
                }
                if (!valid_utf8(reason)) {
                    fail(ws_close::invalid_payload, "close reason is not UTF-8", out);
                    return false;
                }
            }
            done_ = true;
            out.push_back(WsEvent{WsEvent::Kind::close, std::move(reason), code});
            return false;
        }
        default:
            break;
    }
    // A data frame: a whole message, or a fragment of one.
    if (opcode != 0x0) {
        in_message_ = true;
        message_is_text_ = opcode == 0x1;
        message_ = std::move(payload);
    } else {
        message_ += payload;
    }
    if (!fin) return true;
    in_message_ = false;
    if (message_is_text_ && !valid_utf8(message_)) {
        fail(ws_close::invalid_payload, "text message is not UTF-8", out);
        return false;
    }
    out.push_back(WsEvent{message_is_text_ ? WsEvent::Kind::text : WsEvent::Kind::binary, std::move(message_), 0});
    message_.clear();
    if (message_.capacity() > 1024) std::string().swap(message_);
    return true;
}

}  // namespace congress::net
