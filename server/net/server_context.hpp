// State shared by the listener and every connection of one server: options, the router,
// and the registry of live sessions that shutdown walks.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/ssl/context.hpp>

#include <utility>

#include "net/http_server.hpp"

namespace congress::net {

// A connection the server can ask to stop (HTTP or WebSocket).
class Stoppable {
public:
    virtual ~Stoppable() = default;
    // Thread-safe: finish what is in flight, then close.
    virtual void shutdown() = 0;
};

class SessionRegistry {
public:
    void add(Stoppable* raw, const std::weak_ptr<Stoppable>& session);
    void remove(Stoppable* raw);
    // Asks every live session to close once its current request, if any, is answered.
    void shutdown_all();
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<Stoppable*, std::weak_ptr<Stoppable>> sessions_;
};

class AddressLimiter;

// One open connection counted against its client address; given back when destroyed.
class ConnectionSlot {
public:
    ConnectionSlot() = default;
    ConnectionSlot(AddressLimiter* limiter, std::string address) : limiter_(limiter), address_(std::move(address)) {}
    ConnectionSlot(ConnectionSlot&& other) noexcept
        : limiter_(std::exchange(other.limiter_, nullptr)), address_(std::move(other.address_)) {}
    ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot();

private:
    AddressLimiter* limiter_ = nullptr;
    std::string address_;
};

// Open connections per client address (HTTP and /live alike), at most `limit` each
// (0: no limit). Many delegates may share one address behind a venue's NAT, so the
// default is generous; it stops one host from taking every file descriptor.
class AddressLimiter {
public:
    explicit AddressLimiter(std::size_t limit) : limit_(limit) {}
    // A slot, or nullopt if the address already has `limit` connections.
    std::optional<ConnectionSlot> acquire(const std::string& address);
    void release(const std::string& address);

private:
    std::size_t limit_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> open_;
};

struct ServerContext {
    ServerContext(const ServerOptions& o, const api::Router& r, LiveServices l)
        : options(o), router(r), live(l), per_address(o.max_connections_per_address) {}

    const ServerOptions& options;
    const api::Router& router;
    LiveServices live;
    SessionRegistry sessions;
    AddressLimiter per_address;
    // Set when the server has a certificate: connections that start with a TLS handshake
    // are served over TLS, the others are redirected to https.
    std::shared_ptr<boost::asio::ssl::context> tls;
    std::atomic<bool> stopping{false};
};

}  // namespace congress::net
