// One HTTP/1.1 connection: reads a request (with header and body limits and a timeout),
// hands it to the router, writes the answer, and repeats while the client keeps alive.
// Everything runs on the connection's strand; answers from database threads are posted
// back to it. One request at a time per connection bounds pipelining.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/http_types.hpp"
#include "net/server_context.hpp"

namespace congress::net {

class HttpSession : public Stoppable, public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(boost::asio::ip::tcp::socket&& socket, ServerContext& context);
    ~HttpSession() override;
    void start();
    // Thread-safe: closes now if idle, or right after the answer in progress.
    void shutdown() override;

private:
    void do_read();
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void dispatch(boost::beast::http::request<boost::beast::http::string_body>&& request);
    // /live: hands the connection to a WebSocket session, or refuses.
    void upgrade(boost::beast::http::request<boost::beast::http::string_body>&& request);
    void send(api::Response response);
    void on_write(bool close, boost::beast::error_code ec, std::size_t bytes);
    void reply_and_close(api::Response response);
    void close();
    void drain();

    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    ServerContext& context_;
    std::string remote_;
    std::string request_id_;
    bool head_ = false;
    bool keep_alive_ = false;
    bool busy_ = false;
    bool closed_ = false;
    std::size_t drain_budget_ = 0;
    std::shared_ptr<const std::string> body_;  // keeps the span below alive during the write
    boost::beast::http::response<boost::beast::http::span_body<const char>> response_;
};

}  // namespace congress::net
