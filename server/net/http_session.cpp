#include "net/http_session.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "api/errors.hpp"
#include "live/origin.hpp"
#include "net/response_head.hpp"
#include "net/ws_session.hpp"
#include "util/log.hpp"

namespace congress::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

// "http://host/path?q" (absolute form, RFC 9112 3.2.2) to "/path?q"; anything else as is.
std::string_view origin_form(std::string_view target) {
    for (const std::string_view scheme : {"http://", "https://"}) {
        if (target.size() > scheme.size() && target.compare(0, scheme.size(), scheme) == 0) {
            const auto slash = target.find('/', scheme.size());
            return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
        }
    }
    return target;
}

template <class Stream>
Stream make_stream(beast::tcp_stream&& stream, ServerContext& context) {
    if constexpr (std::is_same_v<Stream, TlsStream>) return Stream(std::move(stream), *context.tls);
    else return std::move(stream);
}

}  // namespace

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
    if (this != &other) {
        if (limiter_) limiter_->release(address_);
        limiter_ = std::exchange(other.limiter_, nullptr);
        address_ = std::move(other.address_);
    }
    return *this;
}

ConnectionSlot::~ConnectionSlot() {
    if (limiter_) limiter_->release(address_);
}

std::optional<ConnectionSlot> AddressLimiter::acquire(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto& open = open_[address];
    if (limit_ > 0 && open >= limit_) {
        if (open == 0) open_.erase(address);
        return std::nullopt;
    }
    ++open;
    return ConnectionSlot(this, address);
}

void AddressLimiter::release(const std::string& address) {
    std::lock_guard lock(mutex_);
    const auto it = open_.find(address);
    if (it == open_.end()) return;
    if (--it->second == 0) open_.erase(it);
}

template <class Stream>
HttpSession<Stream>::HttpSession(beast::tcp_stream&& stream, ServerContext& context, beast::flat_buffer buffer,
                                 ConnectionSlot slot, bool redirect_only)
    : stream_(make_stream<Stream>(std::move(stream), context)),
      buffer_(std::move(buffer)),
      context_(context),
      slot_(std::move(slot)),
      redirect_only_(redirect_only) {
    beast::error_code ec;
    const auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
}

template <class Stream>
HttpSession<Stream>::~HttpSession() { context_.sessions.remove(this); }

template <class Stream>
void HttpSession<Stream>::start() {
    context_.sessions.add(this, this->weak_from_this());
    if constexpr (tls) {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
        stream_.async_handshake(asio::ssl::stream_base::server, buffer_.data(),
                                beast::bind_front_handler(&HttpSession::on_handshake, this->shared_from_this()));
    } else {
        asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, this->shared_from_this()));
    }
}

template <class Stream>
void HttpSession<Stream>::on_handshake(beast::error_code ec, std::size_t used) {
    if (ec) {  // not TLS after all, an old protocol version, or the client gave up
        log::debug("http", "TLS handshake with " + remote_ + " failed: " + ec.message());
        closed_ = true;
        beast::get_lowest_layer(stream_).close();
        return;
    }
    buffer_.consume(used);
    do_read();
}

template <class Stream>
void HttpSession<Stream>::shutdown() {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
        self->keep_alive_ = false;
        // Idle: cancel the pending read; on_read then closes. Busy: on_write closes after
        // the answer has gone out.
        beast::error_code ignored;
        if (!self->busy_) beast::get_lowest_layer(self->stream_).socket().cancel(ignored);
    });
}

template <class Stream>
void HttpSession<Stream>::do_read() {
    if (closed_) return;
    if (context_.stopping.load()) {
        close();
        return;
    }
    RequestLimits limits;
    limits.header_bytes = context_.options.max_header_bytes;
    limits.body_bytes = context_.options.max_body_bytes;
    limits.chunk_extension_bytes = context_.options.max_chunk_extension_bytes;
    reader_.emplace(limits);
    // The whole request must arrive within the idle timeout (slow clients are cut off).
    beast::get_lowest_layer(stream_).expires_after(context_.options.idle_timeout);
    parse_buffered();
}

template <class Stream>
void HttpSession<Stream>::parse_buffered() {
    switch (reader_->feed(buffer_)) {
        case RequestReader::State::need_more:
            read_more();
            return;
        case RequestReader::State::done:
            dispatch(reader_->release());
            return;
        case RequestReader::State::failed:
            if (const auto& refusal = reader_->refusal()) reply_and_close(*refusal);
            else close();
            return;
    }
}

template <class Stream>
void HttpSession<Stream>::read_more() {
    // At most 64 KiB a read; the reader refuses a request whose unparsed part outgrows its
    // limits, so the buffer stays within a limit plus one read.
    const std::size_t room = buffer_.capacity() - buffer_.size();
    const std::size_t want = std::clamp<std::size_t>(room, 4096, 65536);
    stream_.async_read_some(buffer_.prepare(want),
                            beast::bind_front_handler(&HttpSession::on_read_some, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_read_some(beast::error_code ec, std::size_t bytes) {
    if (ec) {
        // The client went away, timed out or we are shutting down: nothing to answer.
        reader_->end_of_input();
        close();
        return;
    }
    buffer_.commit(bytes);
    parse_buffered();
}

template <class Stream>
void HttpSession<Stream>::dispatch(http::request<http::string_body>&& message) {
    if (redirect_only_) {
        redirect(message);
        return;
    }
    if (const auto target = origin_form(message.target()); target.substr(0, target.find('?')) == "/live") {
        upgrade(std::move(message));
        return;
    }
    busy_ = true;
    request_id_ = next_request_id();
    keep_alive_ = message.keep_alive();
    head_ = message.method() == http::verb::head;

    api::Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    api::split_target(origin_form(request.target), request.path, request.query);
    for (const auto& field : message)
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    request.body = std::move(message.body());
    request.request_id = request_id_;
    request.remote_address = remote_;
    request.secure = tls;

    const auto started = std::chrono::steady_clock::now();
    auto self = this->shared_from_this();
    context_.router.handle(request, [self, started, method = request.method, target = request.target](api::Response response) {
        if (log::enabled(log::Level::debug)) {
            const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
            log::debug("http", method + " " + target + " -> " + std::to_string(response.status) + " in " +
                                   std::to_string(micros) + " us", self->request_id_);
        }
        asio::dispatch(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
            self->send(std::move(response));
        });
    });
}

template <class Stream>
void HttpSession<Stream>::redirect(const http::request<http::string_body>& message) {
    // TLS is on: nothing is served in clear text. Browsers follow the redirect; the
    // Strict-Transport-Security header on the https answers keeps them there.
    const auto host = message[http::field::host];
    const auto target = origin_form(message.target());
    const bool host_ok = !host.empty() && host.find_first_of("/\\ \r\n@") == beast::string_view::npos;
    if (!host_ok) {
        reply_and_close(api::error_response(400, "https_required", "This server only serves https://."));
        return;
    }
    auto response = api::error_response(308, "https_required", "This server only serves https://.");
    response.set_header("Location", "https://" + std::string(host) + std::string(target.empty() ? "/" : target));
    reply_and_close(std::move(response));
}

template <class Stream>
void HttpSession<Stream>::upgrade(http::request<http::string_body>&& message) {
    const auto& live = context_.live;
    if (!live.hub || !live.snapshots) {
        reply_and_close(api::error_response(404, "not_found", "The live channel is not enabled."));
        return;
    }
    if (!websocket::is_upgrade(message)) {
        auto response = api::error_response(426, "upgrade_required", "/live is a WebSocket endpoint (see docs/live.md).");
        response.set_header("Upgrade", "websocket");
        reply_and_close(std::move(response));
        return;
    }
    const auto origin = message[http::field::origin];
    if (!live::origin_allowed(origin, message[http::field::host], context_.options.live.allowed_origins)) {
        log::warn("live", "refused a WebSocket from origin " + std::string(origin) + " (" + remote_ + ")");
        reply_and_close(api::error_response(403, "origin_refused", "This origin may not open the live channel."));
        return;
    }
    // The connection now belongs to the WebSocket session; this HTTP session ends quietly.
    closed_ = true;
    std::make_shared<WsSession>(make_ws_transport(std::move(stream_)), context_, std::move(slot_))->start(std::move(message));
}

template <class Stream>
void HttpSession<Stream>::reply_and_close(api::Response response) {
    busy_ = true;
    keep_alive_ = false;
    head_ = false;
    request_id_ = next_request_id();
    log::info("http", "answered " + std::to_string(response.status) + " and closed the connection from " + remote_, request_id_);
    send(std::move(response));
}

template <class Stream>
void HttpSession<Stream>::send(api::Response r) {
    if (closed_) return;
    if (r.status >= 500) log::warn("http", "answered " + std::to_string(r.status), request_id_);
    const bool bodiless_status = r.status == 204 || r.status == 304;
    const bool close_after = !keep_alive_ || context_.stopping.load();
    auto& out = head_text_;
    if (r.stream && (head_ || bodiless_status)) r.stream.reset();  // a HEAD answer has no body to make
    write_response_head(out, r, request_id_, tls, close_after);
    if (r.stream) {
        stream_body_ = std::move(r.stream);
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
        asio::async_write(stream_, asio::buffer(out),
                          beast::bind_front_handler(&HttpSession::on_stream_write, this->shared_from_this(), close_after));
        return;
    }
    body_ = std::move(r.body);
    const std::size_t size = body_ ? body_->size() : 0;

    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    auto done = beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this(), close_after);
    if (!bodiless_status && !head_ && size > 0) {
        if constexpr (tls) {
            // Not a std::array here: Asio's two-buffer write hands on an empty first buffer
            // once the head is out, and Beast's TLS stream then writes nothing and the body
            // never leaves (seen with a 44 KB answer). The generic path skips spent buffers.
            std::vector<asio::const_buffer> buffers{asio::buffer(out), asio::buffer(body_->data(), size)};
            asio::async_write(stream_, buffers, std::move(done));
        } else {
            const std::array<asio::const_buffer, 2> buffers{asio::buffer(out), asio::buffer(body_->data(), size)};
            asio::async_write(stream_, buffers, std::move(done));
        }
    } else {
        asio::async_write(stream_, asio::buffer(out), std::move(done));
    }
}

// A streamed body: after each write, the next piece is asked for; it comes back (from a
// database thread) to this connection's strand and goes out as one chunk.
template <class Stream>
void HttpSession<Stream>::on_stream_write(bool close_after, beast::error_code ec, std::size_t) {
    if (ec || closed_) {
        stream_body_.reset();
        close();
        return;
    }
    auto self = this->shared_from_this();
    stream_body_->next([self, close_after](std::string piece, bool failed) {
        asio::dispatch(self->stream_.get_executor(), [self, close_after, piece = std::move(piece), failed]() mutable {
            self->send_piece(close_after, std::move(piece), failed);
        });
    });
}

template <class Stream>
void HttpSession<Stream>::send_piece(bool close_after, std::string piece, bool failed) {
    if (closed_) return;
    if (failed) {
        log::warn("http", "a streamed answer was cut short", request_id_);
        stream_body_.reset();
        busy_ = false;
        close();
        return;
    }
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    char size[20];
    const int n = std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    chunk_ = piece.empty() ? std::string("0\r\n\r\n") : std::string(size, static_cast<std::size_t>(n)) + piece + "\r\n";
    if (piece.empty()) {
        stream_body_.reset();
        asio::async_write(stream_, asio::buffer(chunk_),
                          beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this(), close_after));
        return;
    }
    asio::async_write(stream_, asio::buffer(chunk_),
                      beast::bind_front_handler(&HttpSession::on_stream_write, this->shared_from_this(), close_after));
}

template <class Stream>
void HttpSession<Stream>::on_write(bool close_after, beast::error_code ec, std::size_t) {
    busy_ = false;
    body_.reset();
    chunk_.clear();
    chunk_.shrink_to_fit();
    if (ec || close_after || !keep_alive_) {
        close();
        return;
    }
    do_read();
}

template <class Stream>
void HttpSession<Stream>::close() {
    if (closed_) return;
    closed_ = true;
    if constexpr (tls) {
        // close_notify, then wait (briefly) for the client's before closing the socket.
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
        stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
            beast::get_lowest_layer(self->stream_).close();
        });
        return;
    }
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    // Closing a socket that still has unread input makes the kernel send a reset, which
    // destroys whatever part of our last answer is still in its send buffer. So read and
    // discard what the client sends until it closes its side, within 2 s and 1 MiB.
    drain_budget_ = 1 << 20;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    drain();
}

template <class Stream>
void HttpSession<Stream>::drain() {
    beast::get_lowest_layer(stream_).async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
        if (ec || bytes >= self->drain_budget_) {
            beast::get_lowest_layer(self->stream_).close();
            return;
        }
        self->drain_budget_ -= bytes;
        self->drain();
    });
}

template class HttpSession<beast::tcp_stream>;
template class HttpSession<TlsStream>;

void SessionRegistry::add(Stoppable* raw, const std::weak_ptr<Stoppable>& session) {
    std::lock_guard lock(mutex_);
    sessions_.emplace(raw, session);
}

void SessionRegistry::remove(Stoppable* raw) {
    std::lock_guard lock(mutex_);
    sessions_.erase(raw);
}

void SessionRegistry::shutdown_all() {
    std::vector<std::shared_ptr<Stoppable>> live;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [raw, weak] : sessions_)
            if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    for (const auto& session : live) session->shutdown();
}

std::size_t SessionRegistry::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

}  // namespace congress::net
