#include "net/listener.hpp"

#include <sys/socket.h>

#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/error.hpp>

#include "net/http_session.hpp"
#include "util/log.hpp"

namespace congress::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// With TLS on: looks at the first bytes of a connection and hands it to a TLS session, or
// to a plain one that redirects to https.
class TlsDetector : public std::enable_shared_from_this<TlsDetector> {
public:
    TlsDetector(asio::ip::tcp::socket&& socket, ServerContext& context, ConnectionSlot slot)
        : stream_(std::move(socket)), context_(context), slot_(std::move(slot)) {}

    void run() {
        stream_.expires_after(std::chrono::seconds(10));
        beast::async_detect_ssl(stream_, buffer_, beast::bind_front_handler(&TlsDetector::on_detect, shared_from_this()));
    }

private:
    void on_detect(beast::error_code ec, bool is_tls) {
        if (ec) {
            stream_.close();
            return;
        }
        if (is_tls)
            std::make_shared<TlsHttpSession>(std::move(stream_), context_, std::move(buffer_), std::move(slot_))->start();
        else
            std::make_shared<PlainHttpSession>(std::move(stream_), context_, std::move(buffer_), std::move(slot_), true)->start();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    ServerContext& context_;
    ConnectionSlot slot_;
};

// The answer to a connection over the per-address limit: written at once (it fits in any
// socket buffer), then the connection is closed.
void refuse_busy(asio::ip::tcp::socket& socket) {
    static constexpr char answer[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 10\r\n"
        "Connection: close\r\nContent-Length: 99\r\n\r\n"
        "{\"error\":{\"code\":\"too_many_connections\",\"message\":\"Too many open connections from your address.\"}}\n";
    (void)!::send(socket.native_handle(), answer, sizeof answer - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    beast::error_code ec;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket.close(ec);
}

}  // namespace

Listener::Listener(asio::io_context& ioc, const asio::ip::tcp::endpoint& endpoint, ServerContext& context)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)), context_(context) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::start() { do_accept(); }

void Listener::stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
        beast::error_code ec;
        self->acceptor_.close(ec);
    });
}

std::uint16_t Listener::port() const { return acceptor_.local_endpoint().port(); }

void Listener::do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
        // Out of file descriptors and similar: log and keep accepting.
        log::warn("http", "accept failed: " + ec.message());
    } else {
        // Answers are written whole; don't let Nagle hold back their last segment.
        beast::error_code ignored;
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        const auto endpoint = socket.remote_endpoint(ignored);
        const auto address = ignored ? std::string() : endpoint.address().to_string();
        if (auto slot = context_.per_address.acquire(address)) {
            if (context_.tls)
                std::make_shared<TlsDetector>(std::move(socket), context_, std::move(*slot))->run();
            else
                std::make_shared<PlainHttpSession>(beast::tcp_stream(std::move(socket)), context_, beast::flat_buffer(),
                                                   std::move(*slot))
                    ->start();
        } else {
            log::warn("http", "refused a connection from " + address + ": it has " +
                                  std::to_string(context_.options.max_connections_per_address) + " open already");
            refuse_busy(socket);
        }
    }
    do_accept();
}

}  // namespace congress::net
