#include "net/ws_transport.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <boost/asio/post.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace congress::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// Beast's handshake on a stream the transport keeps: websocket::stream<Stream&> reads and
// writes through the reference, and is dropped once the 101 is sent.
template <class Stream>
void websocket_accept(Stream& stream, const WsTransport::Upgrade& upgrade, const asio::any_io_executor& executor,
                      std::function<void(beast::error_code)> done) {
    auto ws = std::make_unique<websocket::stream<Stream&>>(stream);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = websocket::stream_base::none();  // WsSession pings by itself
    timeouts.keep_alive_pings = false;
    ws->set_option(timeouts);
    ws->set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "congress"); }));
    auto& handshake = *ws;
    handshake.async_accept(upgrade, [ws = std::move(ws), executor, done = std::move(done)](beast::error_code ec) mutable {
        // Not destroyed inside its own completion: the wrapper goes with a later no-op.
        asio::post(executor, [ws = std::move(ws)] {});
        done(ec);
    });
}

bool set_send_buffer(tcp::socket& socket, int bytes) {
    beast::error_code ec;
    socket.set_option(asio::socket_base::send_buffer_size(bytes), ec);
    return !ec;
}

class PlainTransport final : public WsTransport {
public:
    explicit PlainTransport(beast::tcp_stream&& stream) : stream_(std::move(stream)), socket_(stream_->get_executor()) {
        beast::error_code ec;
        const auto endpoint = stream_->socket().remote_endpoint(ec);
        if (!ec) remote_ = endpoint.address().to_string();
    }

    asio::any_io_executor executor() override { return socket_.get_executor(); }
    std::string remote_address() override { return remote_; }
    bool limit_send_buffer(int bytes) override { return set_send_buffer(stream_ ? stream_->socket() : socket_, bytes); }

    void accept(const Upgrade& upgrade, std::function<void(beast::error_code)> done) override {
        stream_->expires_never();
        websocket_accept(*stream_, upgrade, executor(), [this, done = std::move(done)](beast::error_code ec) {
            if (!ec) {
                // From here on a bare socket: no timers, and non-blocking for try_send().
                socket_ = stream_->release_socket();
                stream_.reset();
                socket_.non_blocking(true, ec);
            }
            done(ec);
        });
    }

    void read(std::function<void(beast::error_code, std::string_view)> done) override {
        socket_.async_wait(tcp::socket::wait_read, [this, done = std::move(done)](beast::error_code ec) mutable {
            if (ec) {
                done(ec, {});
                return;
            }
            // One buffer per thread: an idle connection holds no read buffer at all.
            thread_local char buffer[16 * 1024];
            const std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) {
                read(std::move(done));  // a spurious wake-up
                return;
            }
            done(ec, std::string_view(buffer, ec ? 0 : n));
        });
    }

    ssize_t try_send(const char* data, std::size_t size) override {
        const ssize_t n = ::send(socket_.native_handle(), data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) return n;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
        return -1;
    }

    int send_descriptor() override { return socket_.is_open() ? socket_.native_handle() : -1; }

    void write_some(const char* data, std::size_t size, std::function<void(beast::error_code, std::size_t)> done) override {
        socket_.async_write_some(asio::buffer(data, size), std::move(done));
    }

    void shutdown_send() override { ::shutdown(socket_.native_handle(), SHUT_WR); }

    void close() override {
        beast::error_code ec;
        if (stream_) stream_->socket().close(ec);
        socket_.close(ec);
    }

private:
    std::optional<beast::tcp_stream> stream_;  // until the handshake is done
    tcp::socket socket_;
    std::string remote_;
};

class TlsTransport final : public WsTransport {
public:
    explicit TlsTransport(TlsStream&& stream) : stream_(std::move(stream)) {
        beast::error_code ec;
        const auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
        if (!ec) remote_ = endpoint.address().to_string();
    }

    asio::any_io_executor executor() override { return stream_.get_executor(); }
    std::string remote_address() override { return remote_; }
    bool limit_send_buffer(int bytes) override {
        return set_send_buffer(beast::get_lowest_layer(stream_).socket(), bytes);
    }

    void accept(const Upgrade& upgrade, std::function<void(beast::error_code)> done) override {
        beast::get_lowest_layer(stream_).expires_never();
        websocket_accept(stream_, upgrade, executor(), std::move(done));
    }

    void read(std::function<void(beast::error_code, std::string_view)> done) override {
        if (!buffer_) buffer_ = std::make_unique<char[]>(buffer_size);
        stream_.async_read_some(asio::buffer(buffer_.get(), buffer_size),
                                [this, done = std::move(done)](beast::error_code ec, std::size_t n) {
                                    done(ec, std::string_view(buffer_.get(), ec ? 0 : n));
                                });
    }

    // Records must be made by OpenSSL on the strand; everything waits for write_some().
    ssize_t try_send(const char*, std::size_t) override { return 0; }

    void write_some(const char* data, std::size_t size, std::function<void(beast::error_code, std::size_t)> done) override {
        stream_.async_write_some(asio::buffer(data, size), std::move(done));
    }

    // A TLS close_notify would be a write of its own; the close frame already said it all.
    void shutdown_send() override {}

    void close() override {
        beast::error_code ec;
        beast::get_lowest_layer(stream_).socket().close(ec);
    }

private:
    static constexpr std::size_t buffer_size = 4096;
    TlsStream stream_;
    std::unique_ptr<char[]> buffer_;
    std::string remote_;
};

}  // namespace

std::unique_ptr<WsTransport> make_ws_transport(beast::tcp_stream&& stream) {
    return std::make_unique<PlainTransport>(std::move(stream));
}

std::unique_ptr<WsTransport> make_ws_transport(TlsStream&& stream) {
    return std::make_unique<TlsTransport>(std::move(stream));
}

}  // namespace congress::net
