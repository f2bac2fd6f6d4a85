#include "integration/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace congress::it {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
    return text;
}

std::string find_header(const Headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers)
        if (iequals(key, name)) return value;
    return {};
}

bool has_header_named(const Headers& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}

void set_timeout(int fd, std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Decodes a chunked body starting at `text`. Returns bytes consumed (0: incomplete).
std::size_t decode_chunked(std::string_view text, std::string& body, std::string& error) {
    std::size_t pos = 0;
    body.clear();
    for (;;) {
        const auto line_end = text.find("\r\n", pos);
        if (line_end == std::string_view::npos) return 0;
        const auto size_text = text.substr(pos, line_end - pos);
        std::size_t size = 0;
        const auto [ptr, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
        if (ec != std::errc() || ptr == size_text.data()) {
            error = "malformed chunk size \"" + std::string(size_text) + "\"";
            return 0;
        }
        pos = line_end + 2;
        if (size == 0) {
            // Trailers (ignored) end with an empty line.
            const auto end = text.find("\r\n", pos);
            if (end == std::string_view::npos) return 0;
            if (end == pos) return pos + 2;
            const auto trailers_end = text.find("\r\n\r\n", pos);
            return trailers_end == std::string_view::npos ? 0 : trailers_end + 4;
        }
        if (text.size() < pos + size + 2) return 0;
        body.append(text.substr(pos, size));
        pos += size + 2;
    }
}

}  // namespace

std::string Response::header(std::string_view name) const { return find_header(headers, name); }

bool Response::has_header(std::string_view name) const { return has_header_named(headers, name); }

std::size_t parse_response(std::string_view text, bool head_request, bool at_end, Response& out) {
    out = Response{};
    const auto head_end = text.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {
        if (at_end)
            out.error = text.empty() ? "the server closed the connection without answering"
                                     : "the connection closed in the middle of the response head: \"" +
                                           std::string(text.substr(0, 200)) + "\"";
        return 0;
    }
    const auto head = text.substr(0, head_end);
    const auto first_line_end = std::min(head.find("\r\n"), head.size());
    const auto status_line = head.substr(0, first_line_end);
    // "HTTP/1.1 200 OK"
    const auto sp1 = status_line.find(' ');
    if (sp1 == std::string_view::npos || status_line.substr(0, 5) != "HTTP/") {
        out.error = "malformed status line \"" + std::string(status_line) + "\"";
        return 0;
    }
    const auto sp2 = status_line.find(' ', sp1 + 1);
    const auto code = status_line.substr(sp1 + 1, (sp2 == std::string_view::npos ? status_line.size() : sp2) - sp1 - 1);
    int status = 0;
    const auto [ptr, ec] = std::from_chars(code.data(), code.data() + code.size(), status);
    if (ec != std::errc() || ptr != code.data() + code.size() || code.size() != 3) {
        out.error = "malformed status line \"" + std::string(status_line) + "\"";
        return 0;
    }
    Response r;
    r.version = std::string(status_line.substr(0, sp1));
    r.reason = sp2 == std::string_view::npos ? std::string() : std::string(status_line.substr(sp2 + 1));
    std::size_t pos = first_line_end;
    while (pos < head.size()) {
        pos += 2;  // "\r\n"
        const auto end = std::min(head.find("\r\n", pos), head.size());
        const auto line = head.substr(pos, end - pos);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            out.error = "malformed header line \"" + std::string(line) + "\"";
            return 0;
        }
        r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
        pos = end;
    }
    const std::size_t body_start = head_end + 4;
    const auto rest = text.substr(body_start);

    std::size_t consumed = 0;
    if (head_request || (status >= 100 && status < 200) || status == 204 || status == 304) {
        consumed = body_start;
    } else if (iequals(find_header(r.headers, "Transfer-Encoding"), "chunked")) {
        std::string error;
        const auto used = decode_chunked(rest, r.body, error);
        if (!error.empty()) {
            out.error = error;
            return 0;
        }
        if (used == 0) {
            if (at_end) out.error = "the connection closed in the middle of a chunked body";
            return 0;
        }
        consumed = body_start + used;
    } else if (has_header_named(r.headers, "Content-Length")) {
        const auto value = find_header(r.headers, "Content-Length");
        std::size_t length = 0;
        const auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), length);
        if (e != std::errc() || p != value.data() + value.size()) {
            out.error = "malformed Content-Length \"" + value + "\"";
            return 0;
        }
        if (rest.size() < length) {
            if (at_end)
                out.error = "the connection closed after " + std::to_string(rest.size()) + " of " +
                            std::to_string(length) + " body bytes";
            return 0;
        }
        r.body = std::string(rest.substr(0, length));
        consumed = body_start + length;
    } else {
        // No length: the body runs to the end of the connection.
        if (!at_end) return 0;
        r.body = std::string(rest);
        consumed = text.size();
    }
    r.status = status;
    out = std::move(r);
    return consumed;
}

Connection::Connection(std::uint16_t port, std::chrono::milliseconds timeout, int receive_buffer) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_ = std::string("socket: ") + std::strerror(errno);
        return;
    }
    set_timeout(fd, timeout);
    if (receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
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
}

Connection::~Connection() { close(); }

void Connection::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void Connection::shutdown_send() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool Connection::send(std::string_view bytes) {
    if (fd_ < 0) {
        if (error_.empty()) error_ = "not connected";
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

bool Connection::fill() {
    if (fd_ < 0 || eof_) return false;
    char chunk[16384];
    for (;;) {
        const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n > 0) {
            buffer_.append(chunk, static_cast<std::size_t>(n));
            return true;
        }
        if (n == 0) {
            eof_ = true;
            return false;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            error_ = "timed out waiting for the server";
        } else {
            error_ = std::string("recv: ") + std::strerror(errno);
            eof_ = true;  // a reset ends the stream too
        }
        return false;
    }
}

Response Connection::read_response(bool head_request) {
    Response response;
    if (fd_ < 0 && buffer_.empty()) {
        response.error = error_.empty() ? "not connected" : error_;
        return response;
    }
    for (;;) {
        const auto used = parse_response(buffer_, head_request, eof_, response);
        if (used > 0) {
            buffer_.erase(0, used);
            return response;
        }
        if (!response.error.empty()) return response;
        if (!fill()) {
            if (eof_) {
                parse_response(buffer_, head_request, true, response);
                if (response.status != 0) {
                    buffer_.clear();
                    return response;
                }
                if (!error_.empty()) response.error += " (" + error_ + ")";
                return response;
            }
            response.error = error_ + " (got " + std::to_string(buffer_.size()) + " bytes so far)";
            return response;
        }
    }
}

std::string Connection::read_until_close() {
    while (fill()) {
    }
    std::string all = std::move(buffer_);
    buffer_.clear();
    return all;
}

bool Connection::wait_for_close() {
    const auto before = buffer_.size();
    while (fill()) {
    }
    return eof_ && buffer_.size() == before;
}

std::string format_request(std::string_view method, std::string_view target, const Headers& headers,
                           std::string_view body, bool keep_alive) {
    std::string text;
    text.reserve(128 + body.size());
    text.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
    if (!has_header_named(headers, "Host")) text += "Host: 127.0.0.1\r\n";
    for (const auto& [name, value] : headers) text.append(name).append(": ").append(value).append("\r\n");
    const bool usually_has_body = method == "POST" || method == "PUT" || method == "PATCH";
    if (!has_header_named(headers, "Content-Length") && !has_header_named(headers, "Transfer-Encoding") &&
        (!body.empty() || usually_has_body))
        text.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    if (!keep_alive && !has_header_named(headers, "Connection")) text += "Connection: close\r\n";
    text += "\r\n";
    text.append(body);
    return text;
}

std::string Connection::read_raw_response(bool head_request) {
    for (;;) {
        Response parsed;
        const auto used = parse_response(buffer_, head_request, eof_, parsed);
        if (used > 0) {
            std::string raw = buffer_.substr(0, used);
            buffer_.erase(0, used);
            return raw;
        }
        if (!parsed.error.empty() || !fill()) {
            // Malformed, closed or timed out: hand back whatever arrived.
            std::string raw = std::move(buffer_);
            buffer_.clear();
            return raw;
        }
    }
}

std::string send_raw(std::uint16_t port, std::string_view bytes, std::chrono::milliseconds timeout) {
    Connection connection(port, timeout);
    if (!connection.connected()) return {};
    // A server that answers before reading everything may reset the connection while we
    // still send: what it answered is still readable, so read regardless.
    connection.send(bytes);
    return connection.read_raw_response(bytes.substr(0, 5) == "HEAD ");
}

Response request(std::uint16_t port, std::string_view method, std::string_view target, const Headers& headers,
                 std::string_view body, std::chrono::milliseconds timeout) {
    Connection connection(port, timeout);
    if (!connection.connected()) {
        Response failed;
        failed.error = connection.error();
        return failed;
    }
    if (!connection.send(format_request(method, target, headers, body))) {
        // The server may have answered and closed early (e.g. 413): read it anyway.
        auto response = connection.read_response(method == "HEAD");
        if (response.status == 0) response.error = connection.error() + "; " + response.error;
        return response;
    }
    return connection.read_response(method == "HEAD");
}

}  // namespace congress::it
