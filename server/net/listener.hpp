// Accepts connections and starts an HttpSession on its own strand for each.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/server_context.hpp"

namespace congress::net {

class Listener : public std::enable_shared_from_this<Listener> {
public:
    // Binds and listens; throws boost::system::system_error on failure.
    Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint, ServerContext& context);
    void start();
    void stop();
    std::uint16_t port() const;

private:
    void do_accept();
    void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
    // Out of descriptors (or memory): wait before accepting again, longer each time up to
    // a second, so that the loop does not spin; log at most once a second.
    void back_off(const boost::beast::error_code& ec);

    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_;
    std::chrono::milliseconds backoff_{0};
    std::chrono::steady_clock::time_point last_logged_{};
    std::uint64_t failures_unlogged_ = 0;
    ServerContext& context_;
};

}  // namespace congress::net
