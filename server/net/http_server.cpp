#include "net/http_server.hpp"

#include <sys/resource.h>

#include <fstream>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/listener.hpp"
#include "net/tls.hpp"
#include "util/log.hpp"

namespace congress::net {

namespace asio = boost::asio;

struct HttpServer::Impl {
    ServerOptions options;
    // Declared before the io_context: sessions destroyed with its queued handlers
    // unregister themselves here.
    std::unique_ptr<ServerContext> context;
    asio::io_context ioc;

    explicit Impl(ServerOptions o) : options(std::move(o)), ioc(std::max(1, options.threads)) {}
};

HttpServer::HttpServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
    // Every open browser holds a live connection: raise the soft open-file limit to the hard
    // one (the default soft limit, 1024, would cap a congress at about a thousand pages).
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        const auto before = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) == 0)
            log::info("main", "open-file limit raised from " + std::to_string(before) + " to " + std::to_string(limit.rlim_cur));
    }
}

HttpServer::~HttpServer() = default;

void HttpServer::post(std::function<void()> job) { asio::post(impl_->ioc, std::move(job)); }

void HttpServer::run(const api::Router& router, LiveServices live, const std::function<void(std::uint16_t)>& on_listening) {
    auto& ioc = impl_->ioc;
    const auto& options = impl_->options;
    impl_->context = std::make_unique<ServerContext>(options, router, live);
    auto& context = *impl_->context;
    if (!options.tls_cert.empty() || !options.tls_key.empty()) {
        if (options.tls_cert.empty() || options.tls_key.empty())
            throw std::runtime_error("TLS needs both --tls-cert and --tls-key");
        context.tls = make_tls_context(options.tls_cert, options.tls_key);
    }

    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options.address, ec);
    if (ec) throw std::runtime_error("--address \"" + options.address + "\" is not an IP address");
    std::shared_ptr<Listener> listener;
    try {
        listener = std::make_shared<Listener>(ioc, asio::ip::tcp::endpoint{address, options.port}, context);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cannot listen on " + options.address + ":" + std::to_string(options.port) + ": " +
                                 e.code().message());
    }
    listener->start();
    const auto port = listener->port();

    asio::steady_timer grace_timer(ioc);
    asio::steady_timer drain_timer(ioc);
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    // After a stop signal, the grace timer and the second-signal wait are the only work
    // left once every session has closed; cancel them then so that run() returns.
    std::function<void(const boost::system::error_code&)> check_drained = [&](const boost::system::error_code& error) {
        if (error) return;
        if (context.sessions.size() == 0) {
            grace_timer.cancel();
            signals.cancel();
            return;
        }
        drain_timer.expires_after(std::chrono::milliseconds(20));
        drain_timer.async_wait(check_drained);
    };
    signals.async_wait([&](const boost::system::error_code& error, int signal) {
        if (error) return;
        log::info("main", std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
                              ": finishing requests in flight, then stopping");
        context.stopping = true;
        listener->stop();
        context.sessions.shutdown_all();
        // Requests still running after the grace period are abandoned.
        grace_timer.expires_after(options.shutdown_grace);
        grace_timer.async_wait([&](const boost::system::error_code& timer_error) {
            if (timer_error) return;
            log::warn("main", std::to_string(context.sessions.size()) + " connection(s) still busy after the grace period; stopping anyway");
            drain_timer.cancel();
            ioc.stop();
        });
        // A second signal stops at once.
        signals.async_wait([&](const boost::system::error_code& again, int) {
            if (!again) ioc.stop();
        });
        check_drained({});
    });

    if (!options.port_file.empty()) {
        std::ofstream out(options.port_file + ".tmp");
        out << port << '\n';
        out.close();
        std::rename((options.port_file + ".tmp").c_str(), options.port_file.c_str());
    }
    if (on_listening) on_listening(port);

    std::vector<std::thread> threads;
    for (int i = 1; i < std::max(1, options.threads); ++i) threads.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : threads) t.join();
    log::info("main", "HTTP server stopped");
}

}  // namespace congress::net
