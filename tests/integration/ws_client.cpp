#include "integration/ws_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace congress::it {

namespace {

using Clock = std::chrono::steady_clock;

std::uint32_t random_mask() {
    static std::mt19937 generator{std::random_device{}()};
    return static_cast<std::uint32_t>(generator());
}

std::string kind_name(WsMessage::Kind kind) {
    switch (kind) {
        case WsMessage::Kind::text: return "text";
        case WsMessage::Kind::binary: return "binary";
        case WsMessage::Kind::close: return "close";
        case WsMessage::Kind::eof: return "end of connection";
        case WsMessage::Kind::timeout: return "timeout";
        case WsMessage::Kind::error: return "error";
    }
    return "?";
}

WsMessage make(WsMessage::Kind kind, std::string data = {}, int close_code = 0) {
    WsMessage m;
    m.kind = kind;
    m.data = std::move(data);
    m.close_code = close_code;
    return m;
}

}  // namespace

std::string WsMessage::describe() const {
    auto text = kind_name(kind);
    if (kind == Kind::close) text += " " + std::to_string(close_code);
    if (!data.empty()) text += " " + (data.size() > 300 ? data.substr(0, 300) + "…" : data);
    return text;
}

std::string ws_frame(std::uint8_t opcode, std::string_view payload, bool fin, bool mask) {
    std::string frame;
    frame += static_cast<char>((fin ? 0x80 : 0x00) | (opcode & 0x0f));
    const std::uint8_t mask_bit = mask ? 0x80 : 0x00;
    const auto size = payload.size();
    if (size < 126) {
        frame += static_cast<char>(mask_bit | size);
    } else if (size <= 0xffff) {
        frame += static_cast<char>(mask_bit | 126);
        frame += static_cast<char>((size >> 8) & 0xff);
        frame += static_cast<char>(size & 0xff);
    } else {
        frame += static_cast<char>(mask_bit | 127);
        for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((static_cast<std::uint64_t>(size) >> shift) & 0xff);
    }
    if (!mask) return frame.append(payload);
    const std::uint32_t key = random_mask();
    const char key_bytes[4] = {static_cast<char>(key >> 24), static_cast<char>(key >> 16), static_cast<char>(key >> 8),
                               static_cast<char>(key)};
    frame.append(key_bytes, 4);
    for (std::size_t i = 0; i < size; ++i) frame += static_cast<char>(payload[i] ^ key_bytes[i % 4]);
    return frame;
}

WsClient::WsClient(std::uint16_t port, WsOptions options) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_ = std::string("socket: ") + std::strerror(errno);
        return;
    }
    if (options.receive_buffer > 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer, sizeof options.receive_buffer);
    if (options.max_segment > 0)
        ::setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &options.max_segment, sizeof options.max_segment);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc;
    do {
        rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        error_ = "connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
        ::close(fd);
        return;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd_ = fd;

    std::string request = "GET " + options.target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n";
    if (options.upgrade)
        request +=
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n";
    if (options.origin) request += "Origin: " + *options.origin + "\r\n";
    for (const auto& [name, value] : options.headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    if (!send_raw(request)) {
        error_ = "sending the upgrade request failed: " + error_;
        return;
    }

    // The answer: a 101 head (what follows it is frames), or an HTTP error with its body.
    const auto deadline = Clock::now() + options.timeout;
    for (;;) {
        Response parsed;
        const auto used = parse_response(buffer_, false, false, parsed);
        if (used > 0) {
            handshake_ = std::move(parsed);
            buffer_.erase(0, used);
            break;
        }
        if (!parsed.error.empty()) {
            handshake_.error = error_ = parsed.error;
            break;
        }
        bool timed_out = false;
        if (!fill(deadline, timed_out)) {
            if (timed_out) {
                handshake_.error = error_ = "no answer to the upgrade request within " +
                                            std::to_string(options.timeout.count()) + " ms";
            } else {
                parse_response(buffer_, false, true, parsed);
                if (parsed.status == 0 && parsed.error.empty()) parsed.error = error_;
                handshake_ = std::move(parsed);
                if (handshake_.status == 0) error_ = handshake_.error;
            }
            break;
        }
    }
    if (handshake_.status != 101 && error_.empty())
        error_ = "the upgrade was refused with status " + std::to_string(handshake_.status);
}

WsClient::~WsClient() { disconnect(); }

void WsClient::disconnect() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool WsClient::send_raw(std::string_view bytes) {
    if (fd_ < 0) {
        error_ = "not connected";
        return false;
    }
    while (!bytes.empty()) {
        const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            error_ = std::string("send: ") + std::strerror(errno);
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool WsClient::send_frame(std::uint8_t opcode, std::string_view payload, bool fin) {
    return send_raw(ws_frame(opcode, payload, fin));
}

bool WsClient::send_close(int code, std::string_view reason) {
    std::string payload;
    payload += static_cast<char>((code >> 8) & 0xff);
    payload += static_cast<char>(code & 0xff);
    payload.append(reason);
    sent_close_ = true;
    return send_frame(op_close, payload);
}

bool WsClient::fill(Clock::time_point deadline, bool& timed_out) {
    timed_out = false;
    if (fd_ < 0) {
        error_ = "not connected";
        return false;
    }
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            timed_out = true;
            return false;
        }
        pollfd p{fd_, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
        if (ready < 0 && errno != EINTR) {
            error_ = std::string("poll: ") + std::strerror(errno);
            return false;
        }
        if (ready <= 0) continue;
        char chunk[16384];
        const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n > 0) {
            buffer_.append(chunk, static_cast<std::size_t>(n));
            return true;
        }
        if (n < 0 && errno == EINTR) continue;
        error_ = n == 0 ? "end of stream" : std::string("recv: ") + std::strerror(errno);
        return false;
    }
}

WsMessage WsClient::receive(std::chrono::milliseconds wait) {
    if (ended_) return final_;
    if (handshake_.status != 101) return make(WsMessage::Kind::error, "not upgraded: " + error_);
    const auto deadline = Clock::now() + wait;
    for (;;) {
        // One complete frame at the front of the buffer?
        if (buffer_.size() >= 2) {
            const auto b0 = static_cast<std::uint8_t>(buffer_[0]);
            const auto b1 = static_cast<std::uint8_t>(buffer_[1]);
            std::size_t header = 2;
            std::uint64_t length = b1 & 0x7f;
            const bool masked = b1 & 0x80;
            bool complete = true;
            if (length == 126) {
                header = 4;
                if (buffer_.size() < header) complete = false;
                else length = (static_cast<std::uint8_t>(buffer_[2]) << 8) | static_cast<std::uint8_t>(buffer_[3]);
            } else if (length == 127) {
                header = 10;
                if (buffer_.size() < header) complete = false;
                else {
                    length = 0;
                    for (int i = 2; i < 10; ++i) length = (length << 8) | static_cast<std::uint8_t>(buffer_[i]);
                }
            }
            if (masked) header += 4;
            if (complete && buffer_.size() >= header + length) {
                std::string payload = buffer_.substr(header, length);
                if (masked)
                    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= buffer_[header - 4 + i % 4];
                buffer_.erase(0, header + length);
                const bool fin = b0 & 0x80;
                const std::uint8_t opcode = b0 & 0x0f;
                if (masked) {
                    // RFC 6455 5.1: a server must not mask; report it, but the payload is usable.
                    error_ = "the server sent a masked frame";
                }
                switch (opcode) {
                    case op_ping:
                        ++pings_received_;
                        send_frame(op_pong, payload);
                        continue;
                    case op_pong:
                        continue;
                    case op_close: {
                        const int code = payload.size() >= 2 ? (static_cast<std::uint8_t>(payload[0]) << 8) |
                                                                   static_cast<std::uint8_t>(payload[1])
                                                             : 1005;
                        if (!sent_close_) send_close(code == 1005 ? 1000 : code);
                        // The handshake is over: like a browser that sees the server's end
                        // of stream, end ours (the server waits for it before it lets go).
                        ::shutdown(fd_, SHUT_WR);
                        close_code_ = code;
                        ended_ = true;
                        final_ = make(WsMessage::Kind::close, payload.size() > 2 ? payload.substr(2) : "", code);
                        return final_;
                    }
                    case op_text:
                    case op_binary:
                        if (!fin) {
                            fragment_opcode_ = opcode;
                            fragments_ = std::move(payload);
                            continue;
                        }
                        return make(opcode == op_text ? WsMessage::Kind::text : WsMessage::Kind::binary, std::move(payload));
                    case op_continuation:
                        if (fragment_opcode_ == 0) return make(WsMessage::Kind::error, "a continuation frame with no message");
                        fragments_ += payload;
                        if (!fin) continue;
                        {
                            const auto kind = fragment_opcode_ == op_text ? WsMessage::Kind::text : WsMessage::Kind::binary;
                            fragment_opcode_ = 0;
                            return make(kind, std::move(fragments_));
                        }
                    default:
                        return make(WsMessage::Kind::error, "a frame with the unknown opcode " + std::to_string(opcode));
                }
            }
        }
        bool timed_out = false;
        if (!fill(deadline, timed_out)) {
            if (timed_out) return make(WsMessage::Kind::timeout, "nothing within " + std::to_string(wait.count()) + " ms");
            ended_ = true;
            final_ = make(WsMessage::Kind::eof, error_);
            return final_;
        }
    }
}

std::optional<std::size_t> WsClient::server_unsent_bytes() const {
    if (fd_ < 0) return std::nullopt;
    sockaddr_in local{}, peer{};
    socklen_t local_size = sizeof local, peer_size = sizeof peer;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &local_size) != 0 ||
        ::getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0)
        return std::nullopt;
    // The kernel prints an address as the raw 32-bit value in hex and the port in host order.
    auto format = [](const sockaddr_in& a) {
        char text[16];
        std::snprintf(text, sizeof text, "%08X:%04X", static_cast<unsigned>(a.sin_addr.s_addr), ntohs(a.sin_port));
        return std::string(text);
    };
    // The server's socket: its local address is our peer, its remote address is us.
    const auto wanted = format(peer) + " " + format(local);
    std::ifstream table("/proc/net/tcp");
    std::string line;
    while (std::getline(table, line)) {
        const auto at = line.find(wanted);
        if (at == std::string::npos) continue;
        // "... LOCAL REMOTE ST TX_QUEUE:RX_QUEUE ..."
        std::istringstream fields(line.substr(at + wanted.size()));
        std::string state, queues;
        fields >> state >> queues;
        const auto colon = queues.find(':');
        if (colon == std::string::npos) return std::nullopt;
        return static_cast<std::size_t>(std::stoul(queues.substr(0, colon), nullptr, 16));
    }
    return std::nullopt;
}

std::size_t WsClient::unread_bytes() const {
    int queued = 0;
    if (fd_ < 0 || ::ioctl(fd_, FIONREAD, &queued) != 0) queued = 0;
    return buffer_.size() + static_cast<std::size_t>(std::max(queued, 0));
}

bool WsClient::read_raw_frame(std::string& frame, std::chrono::milliseconds wait) {
    const auto deadline = Clock::now() + wait;
    for (;;) {
        if (buffer_.size() >= 2) {
            const auto b1 = static_cast<std::uint8_t>(buffer_[1]);
            std::uint64_t length = b1 & 0x7f;
            std::size_t header = 2;
            bool known = true;
            if (length == 126) {
                known = buffer_.size() >= 4;
                if (known) length = (static_cast<std::uint8_t>(buffer_[2]) << 8) | static_cast<std::uint8_t>(buffer_[3]);
                header = 4;
            } else if (length == 127) {
                known = buffer_.size() >= 10;
                if (known) {
                    length = 0;
                    for (int i = 2; i < 10; ++i) length = (length << 8) | static_cast<std::uint8_t>(buffer_[i]);
                }
                header = 10;
            }
            if (b1 & 0x80) header += 4;
            if (known && buffer_.size() >= header + length) {
                frame = buffer_.substr(0, header + length);
                buffer_.erase(0, header + length);
                return true;
            }
        }
        bool timed_out = false;
        if (!fill(deadline, timed_out)) return false;
    }
}

bool WsClient::server_closes_within(std::chrono::milliseconds wait) {
    if (ended_) return true;
    const auto deadline = Clock::now() + wait;
    for (;;) {
        bool timed_out = false;
        buffer_.clear();
        if (!fill(deadline, timed_out)) {
            if (timed_out) return false;
            ended_ = true;
            final_ = make(WsMessage::Kind::eof, error_);
            return true;
        }
    }
}

}  // namespace congress::it
