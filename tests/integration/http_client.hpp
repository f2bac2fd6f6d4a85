// A tiny blocking HTTP/1.1 client on POSIX sockets, for the integration tests.
// Deliberately not Beast: the suite compiles fast, and it can send any bytes at all
// (malformed request lines, oversized headers, half requests) to the real server.
// Every read has a receive timeout, so a server that never answers fails a test
// instead of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace congress::it {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
    int status = 0;            // 0: no (complete) response; see `error`
    std::string reason;
    std::string version;       // "HTTP/1.1"
    Headers headers;           // in the order received
    std::string body;
    std::string error;         // why there is no response, if status == 0

    // Case-insensitive; empty if absent.
    std::string header(std::string_view name) const;
    bool has_header(std::string_view name) const;
};

constexpr std::chrono::milliseconds default_timeout{10000};

// One TCP connection to 127.0.0.1:port. Reads are buffered, so several responses can be
// read in turn from one keep-alive connection.
class Connection {
public:
    // `receive_buffer` > 0 sets SO_RCVBUF before connecting (to make a slow reader).
    explicit Connection(std::uint16_t port, std::chrono::milliseconds timeout = default_timeout,
                        int receive_buffer = 0);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    bool connected() const { return fd_ >= 0; }
    const std::string& error() const { return error_; }

    // Writes every byte (MSG_NOSIGNAL: a peer that closed gives false, not SIGPIPE).
    bool send(std::string_view bytes);
    // Reads one response. `head_request`: the response to a HEAD, which has no body
    // whatever its Content-Length says.
    Response read_response(bool head_request = false);
    // The raw bytes of the next response (head and body, by Content-Length), or whatever
    // arrived before the server closed or the timeout.
    std::string read_raw_response(bool head_request = false);
    // Everything the server sends until it closes the connection (or the timeout).
    std::string read_until_close();
    // True if the server closes the connection (EOF or reset) within the timeout
    // without sending anything more.
    bool wait_for_close();
    // The server has closed (or reset) the connection, as seen by the last read.
    bool closed_by_server() const { return eof_; }
    // Received bytes not yet returned as (part of) a response.
    std::size_t pending_bytes() const { return buffer_.size(); }
    // Half-closes the sending side (the server then sees end of stream).
    void shutdown_send();
    void close();

private:
    // One recv() into buffer_; false on end of stream, error or timeout (error_ says which).
    bool fill();

    int fd_ = -1;
    std::string buffer_;
    bool eof_ = false;
    std::string error_;
};

// "METHOD target HTTP/1.1" with a Host header, the given headers, a Content-Length when
// there is a body (or the method usually has one), and "Connection: close" unless
// `keep_alive` or the headers already say otherwise.
std::string format_request(std::string_view method, std::string_view target, const Headers& headers = {},
                           std::string_view body = {}, bool keep_alive = false);

// Sends `bytes` on a new connection and returns the raw response text: read until the
// server closes, or until one full response (by Content-Length) has arrived.
std::string send_raw(std::uint16_t port, std::string_view bytes, std::chrono::milliseconds timeout = default_timeout);

// One request on a new connection, parsed.
Response request(std::uint16_t port, std::string_view method, std::string_view target, const Headers& headers = {},
                 std::string_view body = {}, std::chrono::milliseconds timeout = default_timeout);
inline Response get(std::uint16_t port, std::string_view target, const Headers& headers = {}) {
    return request(port, "GET", target, headers);
}

// Parses a response at the start of `text`. Returns the number of bytes it takes, or 0
// if `text` does not hold a complete one yet (with `at_end`: the connection is closed,
// so a body without Content-Length ends here). Sets `out.error` if it is malformed.
std::size_t parse_response(std::string_view text, bool head_request, bool at_end, Response& out);

}  // namespace congress::it
