#include "net/listener.hpp"

#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>

#include "net/http_session.hpp"
#include "util/log.hpp"

namespace congress::net {

namespace asio = boost::asio;
namespace beast = boost::beast;

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
        std::make_shared<HttpSession>(std::move(socket), context_)->start();
    }
    do_accept();
}

}  // namespace congress::net
