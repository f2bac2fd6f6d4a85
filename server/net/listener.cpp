#include "net/listener.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/error.hpp>

#include "api/errors.hpp"
#include "net/http_session.hpp"
#include "net/response_head.hpp"
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
// socket buffer), then the connection is closed. It carries the headers of every answer.
void refuse_busy(asio::ip::tcp::socket& socket, const std::string& request_id) {
    auto response = api::error_response(503, "too_many_connections", "Too many open connections from your address.");
    response.set_header("Retry-After", "10");
    std::string answer;
    write_response_head(answer, response, request_id, false, true);
    answer += *response.body;
    (void)!::send(socket.native_handle(), answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    beast::error_code ec;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket.close(ec);
}

}  // namespace

Listener::Listener(asio::io_context& ioc, const asio::ip::tcp::endpoint& endpoint, ServerContext& context)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)), retry_(acceptor_.get_executor()), context_(context) {
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
        self->retry_.cancel();
    });
}

std::uint16_t Listener::port() const { return acceptor_.local_endpoint().port(); }

void Listener::do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(beast::error_code ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
        back_off(ec);
        return;
    }
    backoff_ = std::chrono::milliseconds(0);
    {
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
            const auto request_id = next_request_id();
            log::warn("http", "refused a connection from " + address + ": it has " +
                                  std::to_string(context_.options.max_connections_per_address) + " open already",
                      request_id);
            refuse_busy(socket, request_id);
        }
    }
    do_accept();
}

void Listener::back_off(const beast::error_code& ec) {
    // EMFILE, ENFILE, ENOBUFS, ENOMEM: accepting again at once fails again at once. Wait,
    // 10 ms at first and twice as long each time up to a second; a connection that closes
    // frees a descriptor meanwhile, and the next accept takes the queued clients.
    const bool exhausted = ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
                           ec == asio::error::no_memory || ec.value() == ENFILE;
    backoff_ = exhausted ? std::clamp(backoff_ * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000))
                         : std::chrono::milliseconds(0);
    ++failures_unlogged_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_logged_ >= std::chrono::seconds(1)) {
        log::warn("http", "accept failed: " + ec.message() + " (" + std::to_string(failures_unlogged_) +
                              (failures_unlogged_ == 1 ? " time" : " times") +
                              " since the last report)" +
                              (exhausted ? "; new connections wait in the backlog, accepting again in " +
                                               std::to_string(backoff_.count()) + " ms"
                                         : std::string()));
        last_logged_ = now;
        failures_unlogged_ = 0;
    }
    retry_.expires_after(backoff_);
    retry_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (wait_ec || !self->acceptor_.is_open()) return;
        self->do_accept();
    });
}

}  // namespace congress::net
