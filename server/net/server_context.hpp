// State shared by the listener and every connection of one server: options, the router,
// and the registry of live sessions that shutdown walks.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

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

struct ServerContext {
    ServerContext(const ServerOptions& o, const api::Router& r, LiveServices l) : options(o), router(r), live(l) {}

    const ServerOptions& options;
    const api::Router& router;
    LiveServices live;
    SessionRegistry sessions;
    std::atomic<bool> stopping{false};
};

}  // namespace congress::net
