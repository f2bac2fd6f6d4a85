// State shared by the listener and every connection of one server: options, the router,
// and the registry of live sessions that shutdown walks.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "net/http_server.hpp"

namespace congress::net {

class HttpSession;

class SessionRegistry {
public:
    void add(HttpSession* raw, const std::weak_ptr<HttpSession>& session);
    void remove(HttpSession* raw);
    // Asks every live session to close once its current request, if any, is answered.
    void shutdown_all();
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::unordered_map<HttpSession*, std::weak_ptr<HttpSession>> sessions_;
};

struct ServerContext {
    ServerContext(const ServerOptions& o, const api::Router& r) : options(o), router(r) {}

    const ServerOptions& options;
    const api::Router& router;
    SessionRegistry sessions;
    std::atomic<bool> stopping{false};
};

}  // namespace congress::net
