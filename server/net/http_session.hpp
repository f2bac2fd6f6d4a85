// One HTTP/1.1 connection: reads a request (with header and body limits and a timeout),
// hands it to the router, writes the answer, and repeats while the client keeps alive.
// Everything runs on the connection's strand; answers from database threads are posted
// back to it. One request at a time per connection bounds pipelining.
//
// The same code serves plain TCP (Stream = beast::tcp_stream) and TLS (TlsStream); over
// TLS it first completes the handshake. With TLS configured, a plain connection on the
// same port only redirects to https.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/http_types.hpp"
#include "net/request_reader.hpp"
#include "net/server_context.hpp"
#include "net/ws_transport.hpp"

namespace congress::net {

template <class Stream>
class HttpSession : public Stoppable, public std::enable_shared_from_this<HttpSession<Stream>> {
public:
    static constexpr bool tls = std::is_same_v<Stream, TlsStream>;

    // `buffer` holds bytes already read from the connection (by the TLS detector).
    // Plain: `redirect_only` answers every request with a redirect to https.
    HttpSession(boost::beast::tcp_stream&& stream, ServerContext& context, boost::beast::flat_buffer buffer,
                ConnectionSlot slot, bool redirect_only = false);
    ~HttpSession() override;
    void start();
    // Thread-safe: closes now if idle, or right after the answer in progress.
    void shutdown() override;

private:
    void on_handshake(boost::beast::error_code ec, std::size_t used);
    void do_read();
    // Parses what is buffered; reads more, dispatches the request or refuses it.
    void parse_buffered();
    void read_more();
    void on_read_some(boost::beast::error_code ec, std::size_t bytes);
    void dispatch(boost::beast::http::request<boost::beast::http::string_body>&& request);
    // /live: hands the connection to a WebSocket session, or refuses.
    void upgrade(boost::beast::http::request<boost::beast::http::string_body>&& request);
    void redirect(const boost::beast::http::request<boost::beast::http::string_body>& request);
    void send(api::Response response);
    void on_write(bool close, boost::beast::error_code ec, std::size_t bytes);
    void on_stream_write(bool close, boost::beast::error_code ec, std::size_t bytes);
    void send_piece(bool close, std::string piece, bool failed);
    void reply_and_close(api::Response response);
    void close();
    void drain();

    Stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<RequestReader> reader_;
    ServerContext& context_;
    ConnectionSlot slot_;
    std::string remote_;
    std::string request_id_;
    bool redirect_only_ = false;
    bool head_ = false;
    bool keep_alive_ = false;
    bool busy_ = false;
    bool closed_ = false;
    std::size_t drain_budget_ = 0;
    std::shared_ptr<const std::string> body_;  // the answer's body, alive during its write
    std::string head_text_;                    // the answer's status line and headers
    std::shared_ptr<api::BodyStream> stream_body_;  // a streamed answer's source, while it is sent
    std::string chunk_;                             // the chunk being written
};

using PlainHttpSession = HttpSession<boost::beast::tcp_stream>;
using TlsHttpSession = HttpSession<TlsStream>;

}  // namespace congress::net
