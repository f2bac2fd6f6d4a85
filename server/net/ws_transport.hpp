// What a /live connection runs on: plain TCP or TLS. Beast does the opening handshake on
// the stream; after it, WsSession moves frames through the calls below. Over plain TCP a
// frame can be sent at once with a non-blocking send() from any thread (the session's lock
// held); over TLS every write goes through the connection's strand.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace congress::net {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

class WsTransport {
public:
    using Upgrade = boost::beast::http::request<boost::beast::http::string_body>;
    virtual ~WsTransport() = default;

    // The connection's strand.
    virtual boost::asio::any_io_executor executor() = 0;
    virtual std::string remote_address() = 0;
    // Fixes the socket's kernel send buffer (SO_SNDBUF) at `bytes`; false if it could not.
    virtual bool limit_send_buffer(int bytes) = 0;

    // Beast's server handshake for `upgrade` (the 101 answer, with a deadline).
    virtual void accept(const Upgrade& upgrade, std::function<void(boost::beast::error_code)> done) = 0;

    // Strand. Waits for data and calls `done` once with what arrived (valid only during the
    // call), or with an error (end of stream, reset, cancelled by close()).
    virtual void read(std::function<void(boost::beast::error_code, std::string_view)> done) = 0;

    // Any thread, under the session's lock. Sends what it can of the bytes now without
    // blocking: the number taken (0 when the rest must wait for write_some), or -1 if the
    // connection is broken.
    virtual ssize_t try_send(const char* data, std::size_t size) = 0;
    // Any thread, under the session's lock: the socket that try_send() writes to, for a
    // batched broadcast (net/send_batch) to send on while that lock is held; -1 if there is
    // none (TLS: records are made on the strand).
    virtual int send_descriptor() { return -1; }
    // Strand. Writes some of the bytes (at least one) when the connection can take them.
    virtual void write_some(const char* data, std::size_t size,
                            std::function<void(boost::beast::error_code, std::size_t)> done) = 0;
    // Any thread, under the session's lock: after our close frame, nothing more is sent.
    virtual void shutdown_send() = 0;
    // Strand, under the session's lock: closes the connection; pending reads and writes end.
    virtual void close() = 0;
};

std::unique_ptr<WsTransport> make_ws_transport(boost::beast::tcp_stream&& stream);
std::unique_ptr<WsTransport> make_ws_transport(TlsStream&& stream);

}  // namespace congress::net
