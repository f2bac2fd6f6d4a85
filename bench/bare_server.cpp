// bare_server: the baseline for bench/programme_read.sh.
//
// A minimal Boost.Beast HTTP/1.1 server that answers every request it parses
// with the same pre-built response bytes (read from --response FILE: status
// line, headers including Content-Length, body). It is the ceiling a Beast
// server on this machine can reach for that response: the Congress server's
// req/s is reported as a ratio of this one's, measured in the same run.
//
// Fair baseline, nothing exotic: the threading model and I/O calls are those
// of Beast's own advanced async server example:
//   * one io_context, N threads running it;
//   * a strand per connection (socket accepted onto make_strand(ioc));
//   * beast::tcp_stream with a 30 s timeout per operation;
//   * http::async_read of a request<string_body> through a flat_buffer
//     kept across requests (keep-alive, pipelining safe);
//   * asio::async_write of one const buffer holding the whole response;
//   * TCP_NODELAY on accepted sockets.
// The response bytes are shared and never copied; no cache tricks, no
// SO_REUSEPORT fan-out, no hand-written parser.
//
// Usage: bare_server --port N [--address A] [--threads N] --response FILE
//                    [--port-file FILE]
// --port 0 picks a free port; --port-file receives it as decimal text once
// the server listens. Stops on SIGINT/SIGTERM.
//
// Build: g++ -O2 -std=c++20 -pthread bench/bare_server.cpp -o bare_server

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Options {
    std::string address = "127.0.0.1";
    unsigned short port = 0;
    int threads = 1;
    std::string response_file;
    std::string port_file;
};

[[noreturn]] void usage(const char* argv0, const std::string& why) {
    std::cerr << "bare_server: " << why << "\n"
              << "usage: " << argv0
              << " --port N [--address A] [--threads N] --response FILE [--port-file FILE]\n";
    std::exit(2);
}

Options parse_args(int argc, char** argv) {
    Options o;
    bool have_port = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(argv[0], std::string("missing value for ") + std::string(a));
            return argv[++i];
        };
        try {
            if (a == "--port") {
                int p = std::stoi(value());
                if (p < 0 || p > 65535) usage(argv[0], "bad --port");
                o.port = static_cast<unsigned short>(p);
                have_port = true;
            } else if (a == "--address") {
                o.address = value();
            } else if (a == "--threads") {
                o.threads = std::stoi(value());
                if (o.threads < 1) usage(argv[0], "bad --threads");
            } else if (a == "--response") {
                o.response_file = value();
            } else if (a == "--port-file") {
                o.port_file = value();
            } else if (a == "-h" || a == "--help") {
                usage(argv[0], "help");
            } else {
                usage(argv[0], "unknown argument " + std::string(a));
            }
        } catch (const std::logic_error&) {
            usage(argv[0], "bad number for " + std::string(a));
        }
    }
    if (!have_port) usage(argv[0], "--port is required");
    if (o.response_file.empty()) usage(argv[0], "--response is required");
    return o;
}

// Reads the raw response and checks it is one complete HTTP/1.1 response whose
// Content-Length matches its body, so that clients stay in sync on keep-alive.
std::shared_ptr<const std::string> load_response(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::cerr << "bare_server: cannot open " << path << "\n";
        std::exit(1);
    }
    auto bytes = std::make_shared<std::string>(std::istreambuf_iterator<char>(in),
                                               std::istreambuf_iterator<char>());
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(bytes->size());
    beast::error_code ec;
    auto used = parser.put(asio::buffer(*bytes), ec);
    if (!ec && !parser.is_done()) ec = http::error::partial_message;
    if (ec || used != bytes->size()) {
        std::cerr << "bare_server: " << path << " is not exactly one complete HTTP response ("
                  << (ec ? ec.message() : "trailing bytes") << ")\n";
        std::exit(1);
    }
    if (!parser.content_length()) {
        std::cerr << "bare_server: " << path << " has no Content-Length\n";
        std::exit(1);
    }
    return bytes;
}

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket&& socket, std::shared_ptr<const std::string> response)
        : stream_(std::move(socket)), response_(std::move(response)) {}

    void run() {
        // Start on the connection's strand, like Beast's example does.
        asio::dispatch(stream_.get_executor(),
                       beast::bind_front_handler(&Session::do_read, shared_from_this()));
    }

private:
    void do_read() {
        req_ = {};
        stream_.expires_after(std::chrono::seconds(30));
        http::async_read(stream_, buffer_, req_,
                         beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream) return do_close();
        if (ec) return;  // reset, timeout, parse error: drop the connection
        keep_alive_ = req_.keep_alive();
        asio::async_write(stream_, asio::buffer(*response_),
                          beast::bind_front_handler(&Session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec) return;
        if (!keep_alive_) return do_close();
        do_read();
    }

    void do_close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> req_;
    std::shared_ptr<const std::string> response_;
    bool keep_alive_ = true;
};

class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(asio::io_context& ioc, const tcp::endpoint& ep,
             std::shared_ptr<const std::string> response)
        : ioc_(ioc), acceptor_(asio::make_strand(ioc)), response_(std::move(response)) {
        acceptor_.open(ep.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(asio::socket_base::max_listen_connections);
    }

    unsigned short port() const { return acceptor_.local_endpoint().port(); }

    void run() { do_accept(); }

private:
    void do_accept() {
        acceptor_.async_accept(asio::make_strand(ioc_),
                               beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (!ec) {
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            std::make_shared<Session>(std::move(socket), response_)->run();
        }
        if (acceptor_.is_open()) do_accept();
    }

    asio::io_context& ioc_;
    tcp::acceptor acceptor_;
    std::shared_ptr<const std::string> response_;
};

}  // namespace

int main(int argc, char** argv) {
    const Options opt = parse_args(argc, argv);
    auto response = load_response(opt.response_file);

    asio::io_context ioc{opt.threads};
    std::shared_ptr<Listener> listener;
    try {
        listener = std::make_shared<Listener>(
            ioc, tcp::endpoint{asio::ip::make_address(opt.address), opt.port}, response);
    } catch (const std::exception& e) {
        std::cerr << "bare_server: cannot listen on " << opt.address << ":" << opt.port << ": "
                  << e.what() << "\n";
        return 1;
    }
    listener->run();

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const beast::error_code&, int) { ioc.stop(); });

    const unsigned short port = listener->port();
    if (!opt.port_file.empty()) {
        // Write to a temporary name and rename, so a reader never sees a partial file.
        const std::string tmp = opt.port_file + ".tmp";
        {
            std::ofstream pf(tmp, std::ios::trunc);
            pf << port << "\n";
        }
        if (std::rename(tmp.c_str(), opt.port_file.c_str()) != 0) {
            std::cerr << "bare_server: cannot write " << opt.port_file << "\n";
            return 1;
        }
    }
    std::cerr << "bare_server: listening on " << opt.address << ":" << port << " with "
              << opt.threads << " thread(s), " << response->size() << " response bytes\n";

    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(opt.threads - 1));
    for (int i = 1; i < opt.threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    return 0;
}
