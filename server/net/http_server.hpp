// Runs the HTTP server until SIGINT or SIGTERM. Beast and Asio stay behind this header.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/router.hpp"
#include "live/hub.hpp"
#include "live/topic.hpp"

namespace congress::net {

// Limits of the /live WebSocket channel (see docs/live.md).
struct LiveOptions {
    std::vector<std::string> allowed_origins;  // besides the server's own origin
    std::size_t max_message_bytes = 4096;
    std::size_t max_subscriptions = 64;
    std::size_t max_queued_messages = 64;  // per client, after coalescing; more closes with 4001
    // SO_SNDBUF of each /live socket (the kernel keeps twice this). Without it Linux grows a
    // stalled client's send buffer up to net.ipv4.tcp_wmem's maximum (4 MiB) and the
    // message bound above is hidden behind it; 0 leaves the kernel's autotuning.
    int send_buffer_bytes = 32 * 1024;
    double messages_per_second = 20;
    double message_burst = 40;
    std::chrono::seconds idle_timeout{60};  // pings at half of it
};

// The live channel's collaborators; /live answers 404 without them.
struct LiveServices {
    live::Hub* hub = nullptr;
    live::SnapshotSource* snapshots = nullptr;
};

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string port_file;
    int threads = 1;
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 1024 * 1024;
    // Every chunk extension of one request, in all (they are parsed and ignored).
    std::size_t max_chunk_extension_bytes = 4096;
    std::chrono::seconds idle_timeout{30};
    std::chrono::seconds shutdown_grace{10};
    std::size_t max_connections_per_address = 1000;  // 0: no limit
    // PEM files; both set: serve HTTPS and WSS (plain HTTP on the same port redirects).
    std::string tls_cert;
    std::string tls_key;
    LiveOptions live;
};

// Owns the io_context and its threads. Construct it before the database and destroy it
// after: answers still on their way back from database threads are queued on its
// io_context, which must outlive them.
class HttpServer {
public:
    explicit HttpServer(ServerOptions options);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Serves until SIGINT or SIGTERM, then stops accepting, lets requests in flight finish
    // (up to shutdown_grace), closes idle connections and returns. `on_listening` gets the
    // bound port. Throws std::runtime_error if it cannot listen.
    void run(const api::Router& router, LiveServices live, const std::function<void(std::uint16_t port)>& on_listening);

    // Thread-safe: runs `job` on one of the network threads (queued until run() starts;
    // never run if posted after run() has returned, and then destroyed with the server).
    void post(std::function<void()> job);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace congress::net
